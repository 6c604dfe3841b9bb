"""Fixtures for CLI tests. Every test runs twice: on an embedded store in a temporary
folder, and against a real HTTP server on loopback (uvicorn in a thread) over that store."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from modelyard.api.app import create_app
from modelyard.bootstrap import build
from modelyard.client.client import Client
from modelyard.config import Settings
from tests.cli.support import ACTOR
from tests.conftest import fresh_store


@pytest.fixture(scope="session")
def http_app() -> Iterator[tuple[str, FastAPI]]:
    """One uvicorn server for the session; each test points it at its own store."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(registry=None)
    app.router.lifespan_context = _no_lifespan
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.05)
    yield url, app
    server.should_exit = True
    thread.join(timeout=10)


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
    for var in ("MODELYARD_URI", "MODELYARD_DB", "MODELYARD_ARTIFACTS", "MODELYARD_CACHE_DIR"):
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
