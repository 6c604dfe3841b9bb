"""What every part of SqlRepository shares: the connection and the insert helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite

from modelyard.adapters.sql.where import versions
from modelyard.errors import AlreadyExists, NotFound


class RepoBase:
    conn: Connection
    lock_rows: bool

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock_rows = conn.dialect.name == "postgresql"

    @contextmanager
    def _unique(self, what: str) -> Iterator[None]:
        """Run inserts in a savepoint; a uniqueness violation becomes AlreadyExists."""
        try:
            with self.conn.begin_nested():
                yield
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"{what} already exists") from None

    def _require_version(self, model_id: str, number: int) -> None:
        q = select(versions.c.version).where(
            versions.c.model_id == model_id,
            versions.c.version == number,
            versions.c.deleted_at.is_(None),
        )
        if self.conn.execute(q).first() is None:
            raise NotFound(f"version {number} does not exist")

    def _upsert(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
        """Insert or update in one statement, so two writers racing on a new key cannot
        both insert (an UPDATE-then-INSERT lets both see no row on PostgreSQL)."""
        dialect = postgresql if self.lock_rows else sqlite
        stmt = dialect.insert(table).values(**keys, **values)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=values))
