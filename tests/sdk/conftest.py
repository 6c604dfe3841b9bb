"""The SDK behaviour suite runs over both transports: embedded and HTTP (app in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.bootstrap import build
from modelyard.client.client import Client
from modelyard.client.embedded import EmbeddedTransport
from modelyard.client.http import HttpTransport
from modelyard.config import Settings
from tests.conftest import fresh_store


def make_client(
    kind: str, home: Path, user: str = "alice", template: Path | None = None
) -> Iterator[Client]:
    """A client of ``kind`` over a store in ``home`` (a copy of ``template`` when given)."""
    if template is not None:
        fresh_store(template, home / "store")
    settings = Settings(home=home / "store", cache_dir=home / "cache", user=user)
    registry = build(settings)
    if kind == "embedded":
        client = Client(transport=EmbeddedTransport(registry), settings=settings)
        yield client
        client.close()
        return
    app = create_app(registry=registry)
    with TestClient(app, headers={"X-Modelyard-User": user}) as http:
        client = Client(
            transport=HttpTransport("http://testserver", settings, http), settings=settings
        )
        yield client
    registry.close()


@pytest.fixture(params=["embedded", "http"])
def client(
    request: pytest.FixtureRequest, tmp_path: Path, store_template: Path
) -> Iterator[Client]:
    yield from make_client(request.param, tmp_path, template=store_template)
