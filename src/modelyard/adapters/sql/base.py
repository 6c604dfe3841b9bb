"""What every part of SqlRepository shares: the connection and the insert helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    insert,
    select,
    update,
)
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql.where import _v
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
        q = select(_v.c.version).where(
            _v.c.model_id == model_id, _v.c.version == number, _v.c.deleted_at.is_(None)
        )
        if self.conn.execute(q).first() is None:
            raise NotFound(f"version {number} does not exist")

    def _upsert(self, table: Table, keys: dict[str, Any], values: dict[str, Any]) -> None:
        cond = and_(*(table.c[k] == v for k, v in keys.items()))
        done = self.conn.execute(update(table).where(cond).values(**values))
        if done.rowcount == 0:
            self.conn.execute(insert(table).values(**keys, **values))
