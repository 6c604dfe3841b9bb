"""SQLite engine settings: durable commits unless the operator opts out."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from modelyard.adapters.sql.uow import make_engine
from modelyard.errors import InvalidArgument


def _synchronous(url: str, **kw: str) -> int:
    engine = make_engine(url, **kw)  # type: ignore[arg-type]
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("PRAGMA synchronous")).scalar_one())
    finally:
        engine.dispose()


def test_make_engine_sqlite_defaults_to_synchronous_full(tmp_path: Path) -> None:
    assert _synchronous(f"sqlite:///{tmp_path}/r.db") == 2  # FULL


def test_make_engine_sqlite_normal_when_asked(tmp_path: Path) -> None:
    assert _synchronous(f"sqlite:///{tmp_path}/r.db", sqlite_synchronous="NORMAL") == 1


def test_make_engine_sqlite_unknown_synchronous_raises_invalid_argument(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument):
        make_engine(f"sqlite:///{tmp_path}/r.db", sqlite_synchronous="OFF")
