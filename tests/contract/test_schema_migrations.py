"""Opening a store: migrate once, then only a look at the revision; refuse what is not ours."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from modelyard.adapters.sql import migrate
from modelyard.adapters.sql.uow import make_engine
from modelyard.errors import SchemaOutdated, SchemaTooNew
from tests.contract.conftest import backends, database_url


@pytest.fixture(params=backends(("sqlite", "postgres")))
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine over an empty database (no schema at all)."""
    engine = make_engine(database_url(request, request.param, tmp_path))
    yield engine
    engine.dispose()


@pytest.fixture
def alembic_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every run of Alembic's upgrade command from now on (the real one still runs)."""
    runs: list[str] = []
    real = command.upgrade

    def counting(config: Any, revision: str, **kwargs: Any) -> None:
        runs.append(revision)
        real(config, revision, **kwargs)

    monkeypatch.setattr(command, "upgrade", counting)
    return runs


def revisions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [v for (v,) in conn.execute(text("SELECT version_num FROM alembic_version"))]


def test_upgrade_empty_database_reaches_head(engine: Engine) -> None:
    status = migrate.upgrade(engine)
    assert status.current
    assert revisions(engine) == [migrate.head_revision()]


def test_upgrade_current_database_runs_no_alembic(engine: Engine, alembic_runs: list[str]) -> None:
    migrate.upgrade(engine)
    assert alembic_runs == ["head"]
    migrate.upgrade(engine)
    assert alembic_runs == ["head"]


def test_upgrade_database_of_newer_code_refuses(engine: Engine) -> None:
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(SchemaTooNew, match="ffff_from_the_future"):
        migrate.upgrade(engine)
    assert revisions(engine) == ["ffff_from_the_future"]


def test_require_current_empty_database_refuses_and_creates_nothing(engine: Engine) -> None:
    with pytest.raises(SchemaOutdated, match="modelyard db upgrade"):
        migrate.require_current(engine)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []


def test_require_current_migrated_database_passes(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.require_current(engine).current
