"""Fixtures for CLI tests. Every test runs twice: on an embedded store in a temporary
folder, and against a real HTTP server on loopback (uvicorn in a thread) over that store."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from modelyard.api.app import create_app
from modelyard.bootstrap import build
from modelyard.client.client import Client
from modelyard.config import Settings
from tests.cli.support import ACTOR, add_version
from tests.conftest import fresh_store

STORE_VARIABLES = ("MODELYARD_URI", "MODELYARD_DB", "MODELYARD_ARTIFACTS", "MODELYARD_CACHE_DIR")


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """uvicorn in a thread on a free loopback port; yields its URL, stops it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def http_app() -> Iterator[tuple[str, FastAPI]]:
    """One uvicorn server for the session; each test points it at its own store."""
    app = create_app(registry=None)
    app.router.lifespan_context = _no_lifespan
    with serving(app) as url:
        yield url, app


@asynccontextmanager
async def _no_lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield  # each test installs its own registry on app.state


@pytest.fixture(params=["embedded", "http"])
def home(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """MODELYARD_HOME in tmp_path and a known actor; for "http", MODELYARD_URI too."""
    template: Path = request.getfixturevalue("store_template")
    home = fresh_store(template, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    for var in STORE_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MODELYARD_HOME", str(home))
    monkeypatch.setenv("MODELYARD_USER", ACTOR)
    if request.param == "embedded":
        yield home
        return
    url, app = request.getfixturevalue("http_app")
    registry = build(Settings(home=fresh_store(template, tmp_path / "server-store")))
    app.state.registry = registry
    monkeypatch.setenv("MODELYARD_URI", url)
    monkeypatch.setenv("MODELYARD_CACHE_DIR", str(tmp_path / "cache"))
    assert httpx.get(f"{url}/healthz").status_code == 200
    yield home
    app.state.registry = None
    registry.close()


@pytest.fixture
def client(home: Path) -> Iterator[Client]:
    with Client() as c:
        yield c


@dataclass(frozen=True)
class SharedStore:
    """A module's store: the folder to run in and the MODELYARD_* variables that reach it."""

    root: Path
    env: dict[str, str]


@pytest.fixture(scope="module", params=["embedded", "http"])
def fraud_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store_template: Path
) -> Iterator[SharedStore]:
    """One store per module and transport holding Fraud v1, for commands that are refused.
    The teardown proves that none of them changed it: same models, same audit trail."""
    root = tmp_path_factory.mktemp(f"fraud-{request.param}")
    env = {
        "MODELYARD_HOME": str(fresh_store(store_template, root / "home")),
        "MODELYARD_USER": ACTOR,
    }
    with ExitStack() as stack:
        if request.param == "http":
            registry = build(Settings(home=fresh_store(store_template, root / "server-store")))
            stack.callback(registry.close)
            env["MODELYARD_URI"] = stack.enter_context(serving(create_app(registry=registry)))
            env["MODELYARD_CACHE_DIR"] = str(root / "cache")
        shared = SharedStore(root, env)
        with using(shared) as client:
            add_version(client, "Fraud")
            trail = client.full_audit()
        yield shared
        with using(shared) as client:
            assert [m.name for m in client.search_models().items] == ["Fraud"]
            assert client.full_audit() == trail


def point_at(shared: SharedStore, mp: pytest.MonkeyPatch) -> None:
    for var in STORE_VARIABLES:
        mp.delenv(var, raising=False)
    for var, value in shared.env.items():
        mp.setenv(var, value)


@contextmanager
def using(shared: SharedStore) -> Iterator[Client]:
    with pytest.MonkeyPatch.context() as mp:
        point_at(shared, mp)
        with Client() as client:
            yield client


@pytest.fixture
def fraud(
    fraud_store: SharedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Client]:
    """The module's Fraud store as this test's MODELYARD_* environment (run in tmp_path)."""
    monkeypatch.chdir(tmp_path)
    point_at(fraud_store, monkeypatch)
    with Client() as client:
        yield client
