"""Replicas started together on one fresh database: one migrates, the others wait for it.

Each round holds all replicas at the database's door (a lock the test owns) until every one
of them is there, then lets them in at once, so the race is not left to start-up timing.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from modelyard.adapters.sql.migrate import head_revision
from tests.conftest import fresh_store
from tests.e2e.servers import Process, server, spawn, stop, wait_healthy

pytestmark = pytest.mark.slow

REPLICAS = 4
ROUNDS = [pytest.param(n, id=f"round{n}") for n in range(3)]


def spawn_all(tmp_path: Path, *args: str) -> list[Process]:
    return [
        spawn(tmp_path / "home", *args, log=tmp_path / f"replica{i}.log") for i in range(REPLICAS)
    ]


def wait_until(condition: Callable[[], bool], started: list[Process], what: str) -> None:
    """Poll ``condition`` (bounded); fail early, with the logs, if a replica died."""
    deadline = time.monotonic() + 60
    while not condition():
        dead = [r for r in started if r.proc.poll() is not None]
        assert not dead, f"a replica exited before {what}:\n{dead[0].output()}"
        assert time.monotonic() < deadline, f"replicas never reached {what}"
        time.sleep(0.05)


def wait_all_ready(started: list[Process]) -> None:
    for replica in started:
        try:
            wait_healthy(replica.url, replica.proc)
        except (RuntimeError, TimeoutError) as exc:
            raise AssertionError(f"{exc}:\n{replica.output()}") from None


def stop_all(started: list[Process]) -> None:
    for replica in started:
        stop(replica.proc)


@contextmanager
def postgres_gate(url: str) -> Iterator[Callable[[], int]]:
    """Hold every replica at its first look at the schema: an empty ``alembic_version``
    locked exclusively. Yields how many sessions wait on it; releases them all at once."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            conn.commit()
            conn.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
            with engine.connect() as probe:

                def waiting() -> int:
                    query = "SELECT count(*) FROM pg_locks WHERE relation = "
                    query += "'alembic_version'::regclass AND NOT granted"
                    return int(probe.execute(text(query)).scalar_one())

                yield waiting
            conn.commit()
    finally:
        engine.dispose()


@contextmanager
def sqlite_gate(db: Path) -> Iterator[Callable[[list[Process]], bool]]:
    """Hold every replica at its first statement: an exclusive lock on a fresh (rollback-
    journal) database file. Yields whether every replica has the file open; releases them."""
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")

        def all_opened(started: list[Process]) -> bool:
            return all(_has_open(r.proc.pid, db) for r in started)

        yield all_opened
        conn.execute("COMMIT")
    finally:
        conn.close()


def _has_open(pid: int, path: Path) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(path) for fd in fds.iterdir())
    except OSError:  # the process is gone or a descriptor closed while we looked
        return False


def assert_migrated_once(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            heads = conn.execute(text("SELECT count(*) FROM audit_head")).scalar_one()
    finally:
        engine.dispose()
    assert [v for (v,) in versions] == [head_revision()]
    assert heads == 1  # the seed row of the audit chain, inserted by exactly one migration


def assert_clean_logs(started: list[Process]) -> None:
    for replica in started:
        log = replica.output()
        assert "Traceback" not in log, log
        assert "error" not in log.lower(), log


@pytest.mark.postgres
@pytest.mark.parametrize("round_", ROUNDS)
def test_replicas_on_fresh_postgres_all_become_ready(
    round_: int, postgres_url: str, tmp_path: Path
) -> None:
    started: list[Process] = []
    try:
        with postgres_gate(postgres_url) as waiting:
            started += spawn_all(tmp_path, "--db", postgres_url)
            wait_until(lambda: waiting() == REPLICAS, started, "the schema check")
        wait_all_ready(started)
    finally:
        stop_all(started)
    assert_clean_logs(started)
    assert_migrated_once(postgres_url)


@pytest.mark.parametrize("round_", ROUNDS)
def test_replicas_on_fresh_sqlite_all_become_ready(round_: int, tmp_path: Path) -> None:
    db = tmp_path / "home" / "registry.db"
    started: list[Process] = []
    try:
        with sqlite_gate(db) as all_opened:
            started += spawn_all(tmp_path)
            wait_until(lambda: all_opened(started), started, "the database")
        wait_all_ready(started)
    finally:
        stop_all(started)
    assert_clean_logs(started)
    assert_migrated_once(f"sqlite:///{db}")


def test_server_no_migrate_on_current_store_serves(tmp_path: Path, store_template: Path) -> None:
    home = fresh_store(store_template, tmp_path / "home")
    with server(home, "--no-migrate") as (url, _):
        assert httpx.get(f"{url}/api/v1/models").json()["models"] == []
