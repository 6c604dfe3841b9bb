"""The REST API in-process: create_app() over a store in the test's own folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.bootstrap import build
from modelyard.config import Settings
from tests.api.support import Server
from tests.conftest import fresh_store

USER = "alice"


@contextmanager
def open_server(root: Path, template: Path | None = None) -> Iterator[Server]:
    """Serve a store at ``root/store`` (a copy of ``template`` when given, so nothing
    migrates); explicit settings so no MODELYARD_* variable leaks in."""
    store = root / "store"
    if template is not None:
        fresh_store(template, store)
    settings = Settings(home=store, db=None, artifacts=None, cache_dir=None, uri=None, user=None)
    registry = build(settings)
    app = create_app(registry=registry)
    try:
        with TestClient(
            app, raise_server_exceptions=False, headers={"X-Modelyard-User": USER}
        ) as http:
            yield Server(http, root, store, registry)
    finally:
        registry.close()


@pytest.fixture
def server(tmp_path: Path, store_template: Path) -> Iterator[Server]:
    """A fresh, empty server per test."""
    with open_server(tmp_path, store_template) as srv:
        yield srv


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, store_template: Path) -> Iterator[Server]:
    """One server per module for a bad-input run, holding Fraud v1 (model.bin = b"weights").

    Every case checks containment itself; the teardown checks it once more after the whole run.
    """
    with open_server(tmp_path_factory.mktemp("hostile"), store_template) as srv:
        response = srv.create_version("Fraud", {"model.bin": b"weights"})
        assert response.status_code == 201, response.text
        yield srv
        srv.assert_contained()
