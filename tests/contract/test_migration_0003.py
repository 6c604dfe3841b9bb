"""Migration 0003 on a database written by 0002: audit events get their model's id (across
a rename and a delete + re-create), old events still verify, and blob references are
backfilled from the versions' manifests. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text

from modelyard.adapters.sql.migrate import alembic_config
from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory, make_engine
from modelyard.domain.audit import GENESIS, event_hash
from modelyard.service import audit, maintenance
from modelyard.service.context import Context
from tests.contract.conftest import backends, database_url
from tests.fakes import FixedClock, MemoryBlobStore, SequentialIds

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OLD_ID, NEW_ID = "a" * 32, "b" * 32
BLOB = "c" * 64
MANIFEST = json.dumps([{"path": "m", "size": 1, "sha256": BLOB}])


def _migrate(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.connect() as conn:
        conn.info["write"] = True
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _model(conn: Any, mid: str, name: str, created: float, deleted: float | None) -> None:
    conn.execute(
        text(
            "INSERT INTO registered_models (id, name, name_key, description, next_version,"
            " created_at, updated_at, created_by, deleted_at)"
            " VALUES (:id, :name, :key, '', 2, :c, :c, 'alice', :d)"
        ),
        {
            "id": mid,
            "name": name,
            "key": name.casefold(),
            "c": _at(created),
            "d": _at(deleted) if deleted is not None else None,
        },
    )


def _old_events(conn: Any, specs: list[tuple[float, str, str, dict[str, Any] | None]]) -> None:
    """Events as the 0002 code wrote them: hashed over the model name only."""
    prev = GENESIS
    for seq, (when, action, model, before) in enumerate(specs, start=1):
        target = {"model": model, "version": None}
        h = event_hash(prev, seq, _at(when), "alice", action, target, before, None)
        conn.execute(
            text(
                "INSERT INTO audit_events (seq, at, actor, action, model, version, before,"
                " after, prev_hash, hash) VALUES (:seq, :at, 'alice', :action, :model, NULL,"
                " :before, NULL, :prev, :hash)"
            ),
            {
                "seq": seq,
                "at": _at(when),
                "action": action,
                "model": model,
                "before": None if before is None else json.dumps(before),
                "prev": prev,
                "hash": h,
            },
        )
        prev = h
    conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": len(specs), "h": prev})


@pytest.fixture(params=backends(("sqlite", "postgres")))
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    """Fraud created, renamed Risk, deleted; Risk created again with one version."""
    url = database_url(request, request.param, tmp_path)
    engine = make_engine(url)
    _migrate(engine, "0002")
    with engine.begin() as conn:
        _model(conn, OLD_ID, "Risk", 0.001, 3.001)
        _model(conn, NEW_ID, "Risk", 4.001, None)
        conn.execute(
            text(
                "INSERT INTO model_versions (model_id, version, stage, description,"
                " manifest_digest, manifest, flavor, flavor_metadata, requirements,"
                " python_version, source, created_at, updated_at, created_by)"
                " VALUES (:m, 1, 'None', '', :d, :manifest, 'sklearn', '{}', '[]', '3.11', '',"
                " :t, :t, 'alice')"
            ),
            {
                "m": NEW_ID,
                "d": "d" * 64,
                "manifest": f'[{{"path": "m", "size": 1, "sha256": "{BLOB}"}}]',
                "t": _at(5),
            },
        )
        _old_events(
            conn,
            [
                (0, "model.create", "Fraud", None),
                (1, "model.update", "Fraud", None),
                (2, "model.rename", "Risk", {"name": "Fraud"}),
                (3, "model.delete", "Risk", None),
                (4, "model.create", "Risk", None),
                (5, "version.create", "Risk", None),
            ],
        )
    _migrate(engine, "head")
    yield Context(SqlUnitOfWorkFactory(engine), MemoryBlobStore(), FixedClock(), SequentialIds())
    engine.dispose()


def test_migration_backfills_model_ids_across_rename_and_recreate(migrated: Context) -> None:
    with migrated.uow(write=False) as uow:
        ids = [e.model_id for e in uow.repo.list_audit(None, None, 0, 100)]
    assert ids == [OLD_ID] * 4 + [NEW_ID] * 2


def test_migration_keeps_old_events_verifiable(migrated: Context) -> None:
    assert audit.verify_chain(migrated) == 6


def test_migration_gives_live_model_only_its_own_trail(migrated: Context) -> None:
    actions = [e.action for e in audit.audit_trail(migrated, "Risk").items]
    assert actions == ["model.create", "version.create"]


def test_migration_backfills_blob_references(migrated: Context) -> None:
    assert maintenance.blob_readable(migrated, BLOB)
    with migrated.uow(write=False) as uow:
        refs = uow.repo.blob_references(BLOB)
    assert (refs.live, refs.deleted) == (True, False)
