"""The REST API in-process: create_app() over a store in the test's own folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.bootstrap import build
from modelyard.config import Settings
from tests.api.support import Server
from tests.conftest import fresh_store, postgres_schema

USER = "alice"


@contextmanager
def open_server(
    root: Path, template: Path | None = None, db: str | None = None
) -> Iterator[Server]:
    """Serve a store at ``root/store`` (a copy of ``template`` when given, so nothing
    migrates), its metadata in ``db`` when given; explicit settings so no MODELYARD_*
    variable leaks in."""
    store = root / "store"
    if template is not None and db is None:
        fresh_store(template, store)
    store.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=store, db=db, artifacts=None, cache_dir=None, uri=None, user=None)
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


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store_template: Path
) -> Iterator[Server]:
    """One server per module and database for a bad-input run, holding Fraud v1
    (model.bin = b"weights"). Every case checks containment and that nothing changed itself;
    the teardown checks containment once more after the whole run."""
    with ExitStack() as stack:
        db = None
        if request.param == "postgres":
            request.getfixturevalue("postgres_available")
            db = stack.enter_context(postgres_schema())
        root = tmp_path_factory.mktemp(f"hostile-{request.param}")
        srv = stack.enter_context(open_server(root, store_template, db))
        response = srv.create_version("Fraud", {"model.bin": b"weights"})
        assert response.status_code == 201, response.text
        yield srv
        srv.assert_contained()
