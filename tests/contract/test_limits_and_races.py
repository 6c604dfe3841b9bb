"""Inputs at their documented limits reach the database intact (SQLite and PostgreSQL), and
the SQLite write lock gives up with Unavailable instead of escaping unmapped."""

from __future__ import annotations

import hashlib
import io
import math
import secrets
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from modelyard.adapters.sql.migrate import upgrade
from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory, make_engine
from modelyard.domain.entities import Dataset, NewVersion
from modelyard.domain.filters import Clause, Filter
from modelyard.errors import Conflict, InvalidArgument, Unavailable
from modelyard.service import artifacts, runs, versions
from modelyard.service.context import Context
from tests.contract.conftest import backends, database_url, sql_factory
from tests.fakes import MemoryBlobStore, new_version

SQL = ("sqlite", "postgres")
WAIT = 60.0


@pytest.fixture(params=backends(SQL))
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    with sql_factory(database_url(request, request.param, tmp_path)) as factory:
        yield Context(
            factory, MemoryBlobStore(), lambda: datetime.now(UTC), lambda: uuid.uuid4().hex
        )


def _spec(ctx: Context, content: bytes = b"w", **fields: object) -> NewVersion:
    assert isinstance(ctx.blobs, MemoryBlobStore)
    return new_version(ctx.blobs, content, **fields)


def test_random_5000_character_tags_are_stored_and_found(ctx: Context) -> None:
    values = [secrets.token_urlsafe(3750)[:5000] for _ in range(3)]  # high entropy
    for i, value in enumerate(values):
        versions.create_version(ctx, "Fraud", _spec(ctx, bytes([i]), tags={"blob": value}))
    # the filter grammar caps a filter at 4096 characters, so ask the repository directly
    wanted = Filter((Clause("tag", "=", values[1], "blob"),))
    with ctx.uow(write=False) as uow:
        found = uow.repo.list_versions(wanted, 0, 10)
    assert [(v.version, v.tags["blob"]) for v in found] == [(2, values[1])]


def test_set_version_tag_random_5000_characters_is_stored(ctx: Context) -> None:
    versions.create_version(ctx, "Fraud", _spec(ctx))
    value = secrets.token_hex(2500)
    versions.set_version_tag(ctx, "Fraud", 1, "digest", value)
    assert versions.get_version(ctx, "Fraud", 1).tags["digest"] == value


def test_python_version_of_64_characters_is_stored(ctx: Context) -> None:
    long = "3.11.7 (main, Dec  8 2023, 18:56:57) [GCC 9.4.0] linux x86_64-" + "xy"
    assert len(long) == 64
    created = versions.create_version(ctx, "Fraud", _spec(ctx, python_version=long))
    run = runs.start_run(ctx, runs.RunSpec(python_version=long))
    assert (created.python_version, runs.get_run(ctx, run.id).python_version) == (long, long)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("field", ["flavor_metadata", "signature"])
def test_non_finite_number_in_stored_json_raises_invalid_argument(
    ctx: Context, field: str, bad: float
) -> None:
    with pytest.raises(InvalidArgument, match="JSON cannot represent"):
        versions.create_version(ctx, "Fraud", _spec(ctx, **{field: {"inputs": [{"x": bad}]}}))


def test_artifact_path_of_1000_three_byte_characters_is_stored_and_replaced(
    ctx: Context,
) -> None:
    path = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(1000))  # ~3000 bytes
    artifacts.put_artifact(ctx, path, io.BytesIO(b"one"))
    artifacts.put_artifact(ctx, path, io.BytesIO(b"two"))
    assert artifacts.get_artifact(ctx, path).size == 3
    assert artifacts.get_artifact(ctx, path).sha256 == hashlib.sha256(b"two").hexdigest()


def test_concurrent_run_tag_upserts_of_a_new_key_both_succeed(ctx: Context) -> None:
    rid = runs.start_run(ctx, runs.RunSpec()).id
    start = threading.Barrier(8, timeout=WAIT)
    errors: list[BaseException] = []

    def main(i: int) -> None:
        try:
            start.wait()
            runs.set_run_tag(ctx, rid, "owner", f"user-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=main, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert errors == []
    assert runs.get_run(ctx, rid).tags["owner"].startswith("user-")


def test_unmapped_constraint_violation_raises_conflict(ctx: Context) -> None:
    orphan = Dataset("train", "ab" * 32, "s3://x", "training")
    with pytest.raises(Conflict), ctx.uow(write=True) as uow:
        uow.repo.add_dataset("0" * 32, orphan)  # no such run: a foreign key violation


def test_sqlite_write_lock_timeout_raises_unavailable_and_closes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/r.db"
    engine = make_engine(url, busy_timeout_ms=50)
    upgrade(engine)
    holder = make_engine(url)
    try:
        with holder.connect() as conn:
            conn.info["write"] = True
            conn.begin()  # BEGIN IMMEDIATE: holds the write lock
            uow = SqlUnitOfWorkFactory(engine)(write=True)
            with pytest.raises(Unavailable, match="database busy"):
                uow.__enter__()
            assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
            conn.rollback()
        with SqlUnitOfWorkFactory(engine)(write=True) as free:  # the lock is free again
            assert free.repo.conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        holder.dispose()
        engine.dispose()
