"""Concurrency at the SQL layer: version numbers, model auto-creation and the audit head.

Real threads against a SQLite file and PostgreSQL; every loop and wait is bounded.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory, make_engine
from modelyard.domain.audit import GENESIS
from modelyard.errors import Unavailable
from modelyard.service import audit, models, versions
from modelyard.service.context import Context
from tests.contract.builders import audit_chain
from tests.contract.conftest import backends, migrated_url, sql_factory
from tests.fakes import MemoryBlobStore, new_version

THREADS = 16
PER_THREAD = 4
WAIT = 60.0  # seconds; far above the normal run time, so only a hang trips it
SQL = ("sqlite", "postgres")
T = TypeVar("T")


@pytest.fixture(params=backends(SQL))
def sql(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlUnitOfWorkFactory]:
    with sql_factory(migrated_url(request, request.param, tmp_path)) as factory:
        yield factory


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex  # thread-safe, unlike SequentialIds


def _in_threads(count: int, work: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    """Run ``work(i)`` in ``count`` threads released together; results and errors."""
    start = threading.Barrier(count, timeout=WAIT)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def main(i: int) -> None:
        try:
            start.wait()
            value = work(i)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(value)

    threads = [threading.Thread(target=main, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results, errors


def test_concurrent_create_version_allocates_1_to_n(sql: SqlUnitOfWorkFactory) -> None:
    blobs = MemoryBlobStore()
    ctx = Context(sql, blobs, _now, _new_id, "alice")
    specs = [
        [new_version(blobs, b"t%d-v%d" % (t, k)) for k in range(PER_THREAD)] for t in range(THREADS)
    ]

    def work(t: int) -> list[int]:
        return [versions.create_version(ctx, "Fraud", spec).version for spec in specs[t]]

    results, errors = _in_threads(THREADS, work)
    assert errors == []
    total = THREADS * PER_THREAD
    assert sorted(n for numbers in results for n in numbers) == list(range(1, total + 1))
    assert all(numbers == sorted(numbers) for numbers in results)
    assert [m.name for m in models.search_models(ctx).items] == ["Fraud"]
    assert models.get_model(ctx, "fraud").latest_version == total
    trail = audit.audit_trail(ctx, max_results=1000).items
    assert [e.action for e in trail].count("model.create") == 1
    assert audit.verify_chain(ctx) == total + 1


def test_concurrent_create_version_of_new_models_creates_each_once(
    sql: SqlUnitOfWorkFactory,
) -> None:
    blobs = MemoryBlobStore()
    ctx = Context(sql, blobs, _now, _new_id, "alice")
    names = ["Fraud", "FRAUD", "fraud", "Churn"]
    specs = [new_version(blobs, b"v%d" % t) for t in range(THREADS)]
    models.create_model(ctx, "Seed")  # the audit head exists before the race

    def work(t: int) -> tuple[str, int]:
        v = versions.create_version(ctx, names[t % len(names)], specs[t])
        return v.name, v.version

    results, errors = _in_threads(THREADS, work)
    assert errors == []
    by_model: dict[str, list[int]] = {}
    for name, number in results:
        by_model.setdefault(name.casefold(), []).append(number)
    assert {k: sorted(v) for k, v in by_model.items()} == {
        "fraud": list(range(1, 13)),
        "churn": [1, 2, 3, 4],
    }
    assert len(models.search_models(ctx).items) == 3
    assert audit.verify_chain(ctx) == 1 + 2 + THREADS


@contextmanager
def impatient(sql: SqlUnitOfWorkFactory) -> Iterator[SqlUnitOfWorkFactory]:
    """Units of work on the same database that fail at once instead of waiting for a lock
    (SQLite busy_timeout 0, PostgreSQL lock_timeout): waiting becomes an observable error."""
    engine = make_engine(sql.engine.url.render_as_string(hide_password=False))
    setting = "PRAGMA busy_timeout = 0"
    if engine.dialect.name == "postgresql":
        setting = "SET lock_timeout = '1ms'"

    @event.listens_for(engine, "connect")
    def _no_waiting(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(setting)
        cur.close()

    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


def _read_head(sql: SqlUnitOfWorkFactory) -> tuple[int, str]:
    with sql(write=True) as uow:
        return uow.repo.audit_head()


@pytest.mark.parametrize("seed", [False, True], ids=["empty-trail", "after-first-event"])
def test_audit_head_is_locked_until_unit_of_work_ends(
    sql: SqlUnitOfWorkFactory, seed: bool
) -> None:
    """While a writer holds the audit head, another writer cannot read it (it would have to
    wait); once the first commits, the next writer sees its event. SQLite serialises writers
    at BEGIN IMMEDIATE; PostgreSQL locks the audit_head row (seeded by the migration, so an
    empty trail has a row to lock too)."""
    events = audit_chain(("model.create", "A", None), ("model.create", "B", None))
    if seed:
        with sql(write=True) as uow:
            uow.repo.add_audit(events[0])
            uow.commit()
    first = events[1] if seed else events[0]
    with impatient(sql) as probe:
        with sql(write=True) as uow:
            assert uow.repo.audit_head() == ((1, events[0].hash) if seed else (0, GENESIS))
            uow.repo.add_audit(first)
            with pytest.raises((Unavailable, sa_exc.OperationalError)):
                _read_head(probe)
            uow.commit()
        assert _read_head(probe) == (first.seq, first.hash)
