"""Run mutations on PostgreSQL lock the run row, so the frozen-run rule holds under
concurrency (SQLite serialises every writer at BEGIN IMMEDIATE already).

A first unit of work holds the run row; the use case under test runs in a thread and must
wait for it. The test sees the wait in pg_blocking_pids before letting the first commit, so
nothing depends on timing; every wait is bounded.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from modelyard.adapters.sql.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from modelyard.domain.entities import Metric, RunStatus
from modelyard.errors import Conflict
from modelyard.service import runs
from modelyard.service.context import Context
from tests.contract.conftest import sql_factory
from tests.fakes import MemoryBlobStore

pytestmark = pytest.mark.postgres
POLLS = 600  # x 0.05 s: only a hang exhausts it


@pytest.fixture
def ctx(postgres_url: str) -> Iterator[Context]:
    with sql_factory(postgres_url) as factory:
        yield Context(
            factory, MemoryBlobStore(), lambda: datetime.now(UTC), lambda: uuid.uuid4().hex
        )


def _holding_run(ctx: Context, rid: str) -> SqlUnitOfWork:
    assert isinstance(ctx.uow, SqlUnitOfWorkFactory)
    uow = ctx.uow(write=True).__enter__()
    uow.repo.get_run(rid, lock=True)
    return uow


def _race(ctx: Context, holder: SqlUnitOfWork, work: Callable[[], object]) -> BaseException | None:
    """Run ``work`` in a thread; commit ``holder`` once the thread waits on its lock."""
    pid = holder.repo.conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    outcome: list[BaseException | None] = []

    def main() -> None:
        try:
            work()
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=main)
    thread.start()
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
    assert isinstance(ctx.uow, SqlUnitOfWorkFactory)
    with ctx.uow.engine.connect() as probe:
        for _ in range(POLLS):
            if outcome or probe.execute(text(waiting), {"pid": pid}).scalar_one():
                break
            time.sleep(0.05)
    holder.commit()
    holder.__exit__(None, None, None)
    thread.join(timeout=POLLS * 0.05)
    assert outcome, "the use case did not finish"
    return outcome[0]


def test_log_metrics_racing_end_run_is_refused(ctx: Context) -> None:
    rid = runs.start_run(ctx, runs.RunSpec()).id
    holder = _holding_run(ctx, rid)
    holder.repo.end_run(rid, RunStatus.FINISHED, datetime.now(UTC))
    metric = Metric("loss", 0.5, 0, datetime.now(UTC))
    error = _race(ctx, holder, lambda: runs.log_metrics(ctx, rid, [metric]))
    assert isinstance(error, Conflict)
    assert runs.get_run(ctx, rid).metrics == ()


def test_log_params_racing_same_value_succeeds(ctx: Context) -> None:
    rid = runs.start_run(ctx, runs.RunSpec()).id
    holder = _holding_run(ctx, rid)
    holder.repo.add_params(rid, {"lr": "0.1"})
    error = _race(ctx, holder, lambda: runs.log_params(ctx, rid, {"lr": "0.1"}))
    assert error is None
    assert runs.get_run(ctx, rid).params == {"lr": "0.1"}


def test_log_params_racing_other_value_is_conflict(ctx: Context) -> None:
    rid = runs.start_run(ctx, runs.RunSpec()).id
    holder = _holding_run(ctx, rid)
    holder.repo.add_params(rid, {"lr": "0.1"})
    error = _race(ctx, holder, lambda: runs.log_params(ctx, rid, {"lr": "0.2"}))
    assert isinstance(error, Conflict) and error.code == "CONFLICT"
    assert runs.get_run(ctx, rid).params == {"lr": "0.1"}
