"""Engines and the SQL unit of work: the only place that commits."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql.repository import SqlRepository
from modelyard.errors import Unavailable

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
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


def make_engine(url: str) -> Engine:
    """An engine for ``sqlite:///…`` or ``postgresql+psycopg://…``."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        _sqlite_setup(engine)
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
            raise Unavailable(f"database unreachable: {type(exc.orig).__name__}") from None
        conn.info["write"] = self.write
        conn.begin()
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

    def commit(self) -> None:
        assert self._conn is not None
        try:
            self._conn.commit()
        except sa_exc.OperationalError as exc:
            raise Unavailable(f"database error: {type(exc.orig).__name__}") from None


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, write: bool) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write)
