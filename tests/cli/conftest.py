"""Fixtures for CLI tests: an embedded store in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.client.client import Client
from tests.cli.support import ACTOR


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MODELYARD_HOME in tmp_path, no MODELYARD_URI, and a known actor."""
    home = tmp_path / "home"
    monkeypatch.chdir(tmp_path)
    for var in ("MODELYARD_URI", "MODELYARD_DB", "MODELYARD_ARTIFACTS", "MODELYARD_CACHE_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MODELYARD_HOME", str(home))
    monkeypatch.setenv("MODELYARD_USER", ACTOR)
    return home


@pytest.fixture
def client(home: Path) -> Iterator[Client]:
    with Client() as c:
        yield c
