"""Bring a database to the newest schema with Alembic (the only way the schema is made).

Every process opens its store through here (each ``Client()``, CLI call, server worker),
and replicas may start together on one empty database. So:

- when the database is already at the head revision, nothing of Alembic runs: one look
  at ``alembic_version`` against the head, which is read from the scripts once per process;
- otherwise the upgrade runs in one transaction under a lock: PostgreSQL's advisory lock
  (a separate session, held for the whole upgrade), SQLite's write lock (``BEGIN
  IMMEDIATE``); whoever waited finds the schema current and Alembic does nothing;
- a database at a revision the scripts do not know was migrated by a newer modelyard;
  it is refused, never downgraded or written to.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql.uow import reason
from modelyard.errors import SchemaOutdated, SchemaTooNew, Unavailable

MIGRATIONS = Path(__file__).parent / "migrations"
# A fixed key in PostgreSQL's advisory lock space: "modelyard migrates" (ASCII "mymigrat").
PG_MIGRATION_LOCK = 0x6D796D6967726174


@dataclass(frozen=True)
class SchemaStatus:
    """The database's revision (None: no schema yet) beside the code's head revision."""

    database: str | None
    head: str
    known: bool  # the scripts know the database's revision (or it has none)

    @property
    def current(self) -> bool:
        return self.database == self.head

    def describe(self) -> str:
        return f"database schema {self.database or 'none'}, modelyard schema {self.head}"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.cache
def _scripts() -> tuple[str, frozenset[str]]:
    """The head revision and every revision the scripts know; parsed once per process."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None, "the migration scripts have no head"
    return head, frozenset(rev.revision for rev in script.walk_revisions())


def head_revision() -> str:
    return _scripts()[0]


def _read_revisions(conn: Connection) -> list[str]:
    if not inspect(conn).has_table("alembic_version"):
        return []
    rows = conn.execute(text("SELECT version_num FROM alembic_version"))
    return sorted(str(row[0]) for row in rows)


@contextmanager
def _connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose driver errors surface as Unavailable with a one-line reason."""
    try:
        conn = engine.connect()
    except sa_exc.OperationalError as exc:
        raise Unavailable(f"database unreachable: {reason(exc)}") from None
    try:
        with conn:
            yield conn
    except sa_exc.OperationalError as exc:
        raise Unavailable(f"database error: {reason(exc)}") from None


def schema_status(engine: Engine) -> SchemaStatus:
    """Where the database's schema stands against this code's migrations (reads only)."""
    head, known = _scripts()
    with _connection(engine) as conn:
        revisions = _read_revisions(conn)
        conn.rollback()
    if len(revisions) > 1:  # one linear history: several rows come from someone else's branch
        return SchemaStatus(",".join(revisions), head, known=False)
    database = revisions[0] if revisions else None
    return SchemaStatus(database, head, known=database is None or database in known)


def _refuse_newer(status: SchemaStatus) -> SchemaStatus:
    if not status.known:
        raise SchemaTooNew(
            f"{status.describe()}: the database was migrated by a newer modelyard; "
            "upgrade modelyard to open it"
        )
    return status


def require_current(engine: Engine) -> SchemaStatus:
    """Refuse a database whose schema is not exactly this code's (opening without migrating)."""
    status = _refuse_newer(schema_status(engine))
    if not status.current:
        raise SchemaOutdated(f"{status.describe()}: run `modelyard db upgrade` first")
    return status


def upgrade(engine: Engine) -> SchemaStatus:
    """Bring the schema to the head revision; cheap when it is there already."""
    status = _refuse_newer(schema_status(engine))
    if status.current:
        return status
    with _migration_lock(engine):
        _run_alembic(engine)
    return _refuse_newer(schema_status(engine))


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise upgrades across processes. SQLite's BEGIN IMMEDIATE in ``_run_alembic``
    already does; PostgreSQL's DDL does not (two CREATE TABLEs race on the catalog)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with _connection(engine) as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        conn.commit()  # the lock is the session's: keep it without an open transaction
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_MIGRATION_LOCK})
            conn.commit()


def _run_alembic(engine: Engine) -> None:
    # One transaction for every step, begun here so Alembic neither commits between
    # revisions nor lets another writer in; a waiter then finds head and runs nothing.
    cfg = alembic_config()
    with _connection(engine) as conn:
        conn.info["write"] = True
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            conn.info.pop("write", None)
