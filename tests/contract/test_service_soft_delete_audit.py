"""The audit trail follows a model's identity, a truncated tail is detected, and deleted
versions leave the stage history and stop being readable by digest; on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory
from modelyard.domain.entities import NewVersion
from modelyard.errors import IntegrityError, NotFound
from modelyard.service import audit, maintenance, models, stages, versions
from modelyard.service.context import Context
from modelyard.service.ports import UnitOfWorkFactory
from tests.contract.conftest import backends, database_url, sql_factory
from tests.fakes import (
    FakeUnitOfWorkFactory,
    FixedClock,
    MemoryBlobStore,
    SequentialIds,
    new_version,
)


@pytest.fixture(params=backends())
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    kind: str = request.param
    if kind == "fake":
        yield Context(FakeUnitOfWorkFactory(), MemoryBlobStore(), FixedClock(), SequentialIds())
        return
    with sql_factory(database_url(request, kind, tmp_path)) as factory:
        yield Context(factory, MemoryBlobStore(), FixedClock(), SequentialIds())


def _spec(ctx: Context, content: bytes) -> NewVersion:
    assert isinstance(ctx.blobs, MemoryBlobStore)
    return new_version(ctx.blobs, content)


def _actions(ctx: Context, model: str) -> list[str]:
    return [e.action for e in audit.audit_trail(ctx, model).items]


def _truncate_after(factory: UnitOfWorkFactory, seq: int) -> None:
    if isinstance(factory, FakeUnitOfWorkFactory):
        factory.state.audit = [e for e in factory.state.audit if e.seq <= seq]
        return
    assert isinstance(factory, SqlUnitOfWorkFactory)
    with factory.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq > :seq"), {"seq": seq})


def test_audit_trail_after_rename_keeps_earlier_events(ctx: Context) -> None:
    versions.create_version(ctx, "Fraud", _spec(ctx, b"1"))
    models.rename_model(ctx, "Fraud", "Fraud2")
    assert _actions(ctx, "Fraud2") == ["model.create", "version.create", "model.rename"]


def test_audit_trail_of_recreated_model_excludes_deleted_models_events(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.update_model(ctx, "Fraud", "old")
    models.delete_model(ctx, "Fraud")
    models.create_model(ctx, "Fraud")
    assert _actions(ctx, "Fraud") == ["model.create"]


def test_audit_trail_of_deleted_name_returns_last_deleted_models_events(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.delete_model(ctx, "Fraud")
    assert _actions(ctx, "Fraud") == ["model.create", "model.delete"]


def test_audit_trail_of_unknown_model_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        audit.audit_trail(ctx, "Nope")


def test_verify_chain_truncated_tail_raises_integrity_error(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.update_model(ctx, "Fraud", "a")
    models.update_model(ctx, "Fraud", "b")
    _truncate_after(ctx.uow, 1)
    with pytest.raises(IntegrityError, match="ends at event 1 but its head records event 3"):
        audit.verify_chain(ctx)


def test_fsck_truncated_tail_reports_audit_problem(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.update_model(ctx, "Fraud", "a")
    _truncate_after(ctx.uow, 0)
    report = maintenance.fsck(ctx)
    assert (report.ok, report.audit_ok) == (False, False)
    assert "head records event 2" in report.audit_problem


def test_verify_chain_intact_trail_counts_events(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.update_model(ctx, "Fraud", "a")
    assert audit.verify_chain(ctx) == 2


def test_stage_history_excludes_deleted_versions(ctx: Context) -> None:
    versions.create_version(ctx, "Fraud", _spec(ctx, b"1"))
    versions.create_version(ctx, "Fraud", _spec(ctx, b"2"))
    stages.transition_stage(ctx, "Fraud", 1, "Staging")
    stages.transition_stage(ctx, "Fraud", 2, "Staging")
    versions.delete_version(ctx, "Fraud", 1)
    history = stages.stage_history(ctx, "Fraud")
    assert [(c.version, c.to_stage.value) for c in history] == [(2, "Staging")]


def test_blob_readable_only_while_a_live_version_names_it(ctx: Context) -> None:
    v1 = versions.create_version(ctx, "Fraud", _spec(ctx, b"1"))
    digest = v1.manifest.entries[0].sha256
    assert maintenance.blob_readable(ctx, digest)
    versions.delete_version(ctx, "Fraud", 1)
    assert not maintenance.blob_readable(ctx, digest)


def test_blob_readable_shared_blob_stays_readable_through_live_version(ctx: Context) -> None:
    versions.create_version(ctx, "Fraud", _spec(ctx, b"1"))
    v2 = versions.create_version(ctx, "Churn", _spec(ctx, b"1"))
    models.delete_model(ctx, "Fraud")
    assert maintenance.blob_readable(ctx, v2.manifest.entries[0].sha256)


def test_blob_readable_upload_no_version_names_yet_is_readable(ctx: Context) -> None:
    assert maintenance.blob_readable(ctx, "ab" * 32)
