"""``modelyard db`` and ``modelyard server --no-migrate``: the schema as a step of its own."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from modelyard.adapters.sql.migrate import head_revision
from tests.cli.support import assert_error, cli, ok


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MODELYARD_HOME (not created yet); the server command's exports are undone after."""
    home = tmp_path / "store"
    for var in ("MODELYARD_URI", "MODELYARD_DB", "MODELYARD_ARTIFACTS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MODELYARD_HOME", str(home))
    monkeypatch.setenv("MODELYARD_MIGRATE", "1")
    return home


def tables(home: Path) -> set[str]:
    with sqlite3.connect(home / "registry.db") as conn:
        return {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_db_current_empty_store_exits_1_naming_both_revisions(store: Path) -> None:
    result = cli("db", "current", "--json")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout) == {
        "database": None,
        "head": head_revision(),
        "current": False,
    }


def test_db_upgrade_empty_store_reaches_head(store: Path) -> None:
    ok("db", "upgrade")
    report = json.loads(ok("db", "current", "--json").stdout)
    assert report == {"database": head_revision(), "head": head_revision(), "current": True}


def test_server_no_migrate_empty_store_refuses_naming_db_upgrade(store: Path) -> None:
    result = cli("server", "--no-migrate", "--port", "0")
    assert_error(result, "SCHEMA_OUTDATED")
    assert "modelyard db upgrade" in result.stderr
    assert tables(store) == set()


def test_server_on_store_of_newer_code_refuses(store: Path) -> None:
    ok("db", "upgrade")
    with sqlite3.connect(store / "registry.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    assert_error(cli("server", "--port", "0"), "SCHEMA_TOO_NEW")


def test_db_current_with_http_uri_refuses(store: Path) -> None:
    assert_error(cli("--uri", "http://127.0.0.1:9", "db", "current"), "INVALID_ARGUMENT")
