"""Engines and the SQL unit of work: the only place that commits."""

from __future__ import annotations

import sqlite3
import time
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql.repository import SqlRepository
from modelyard.errors import Conflict, InvalidArgument, Unavailable

SQLITE_BUSY_TIMEOUT_MS = 30_000
_CONFLICT = "the change conflicts with one committed concurrently; retry it"
# FULL syncs the WAL at every commit, so an acknowledged version survives power loss;
# NORMAL syncs only at checkpoints and may lose the last commits (see docs/performance.md)
SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


def reason(exc: sa_exc.DBAPIError) -> str:
    """The driver's error class and the first line of its message: enough to act on, and
    free of SQL parameters (engines hide them; messages of connection errors hold none)."""
    first = str(exc.orig).splitlines()[0] if str(exc.orig) else ""
    return f"{type(exc.orig).__name__}: {first}" if first else type(exc.orig).__name__


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _enable_wal(cur: Any, busy_timeout_ms: int) -> None:
    """Switch to WAL. A connection that opens while another process creates the database
    or rebuilds its WAL index can be told "locked" at once, without the busy handler being
    asked; replicas starting together do exactly that, so retry as long as a writer waits."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _sqlite_setup(engine: Engine, busy_timeout_ms: int, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        _enable_wal(cur, busy_timeout_ms)
        cur.execute(f"PRAGMA synchronous = {synchronous}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA case_sensitive_like = ON")
        cur.close()
        # ILIKE compiles to lower(x) LIKE lower(y); SQLite's lower() folds only ASCII
        dbapi_conn.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front, so two writers never deadlock upgrading.
        mode = "IMMEDIATE" if conn.info.get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    sqlite_synchronous: str = "FULL",
) -> Engine:
    """An engine for ``sqlite:///…`` or ``postgresql+psycopg://…``.

    SQLite only: ``busy_timeout_ms`` is how long a writer waits for the write lock before
    the unit of work fails with Unavailable; ``sqlite_synchronous="NORMAL"`` trades the
    durability of the last commits on power loss for faster commits.
    """
    if url.startswith("sqlite"):
        if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise InvalidArgument(f"sqlite synchronous must be one of {SQLITE_SYNCHRONOUS}")
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_ms / 1000}, hide_parameters=True
        )
        _sqlite_setup(engine, busy_timeout_ms, sqlite_synchronous)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


class SqlUnitOfWork:
    repo: SqlRepository

    def __init__(self, engine: Engine, write: bool) -> None:
        self.engine = engine
        self.write = write
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        try:
            conn = self.engine.connect()
        except sa_exc.OperationalError as exc:
            raise Unavailable(f"database unreachable: {reason(exc)}") from None
        conn.info["write"] = self.write
        try:
            conn.begin()  # BEGIN IMMEDIATE on SQLite: waits for the write lock
        except sa_exc.OperationalError as exc:
            conn.info.pop("write", None)
            conn.close()
            raise Unavailable(f"database busy: {type(exc.orig).__name__}") from None
        self._conn = conn
        self.repo = SqlRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            self._conn.rollback()  # no-op after commit; discards anything uncommitted
        finally:
            self._conn.info.pop("write", None)
            self._conn.close()
            self._conn = None
        if isinstance(exc, sa_exc.OperationalError):
            raise Unavailable(f"database error: {type(exc.orig).__name__}") from None
        if isinstance(exc, sa_exc.IntegrityError):
            # the repository maps the violations it expects; any other is a concurrent
            # writer's row, which a retry resolves: a conflict, never a 500
            raise Conflict(_CONFLICT) from None

    def commit(self) -> None:
        assert self._conn is not None
        try:
            self._conn.commit()
        except sa_exc.OperationalError as exc:
            raise Unavailable(f"database error: {type(exc.orig).__name__}") from None
        except sa_exc.IntegrityError:
            raise Conflict(_CONFLICT) from None


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, write: bool) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write)
