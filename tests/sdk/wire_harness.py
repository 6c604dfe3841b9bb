"""A real app behind an httpx transport the test controls: it can rewrite, cut or drop.

The app is the genuine modelyard server (in-process through Starlette's TestClient); the
transport in front of it plays a hostile or flaky network, so the SDK under test is not
mocked at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.bootstrap import Runtime, build
from modelyard.client.client import Client
from modelyard.client.http import HttpTransport
from modelyard.config import Settings

Handler = Callable[[httpx.Request, "Forward"], httpx.Response]
Forward = Callable[[httpx.Request], httpx.Response]


def _honest(request: httpx.Request, forward: Forward) -> httpx.Response:
    return forward(request)


@dataclass
class Wire(httpx.BaseTransport):
    """The network between the SDK and the server: every request seen, and a handler.

    The request body is read only when forwarded, so a handler that fails first behaves
    like a connection that was never made.
    """

    app: TestClient
    handler: Handler = _honest
    seen: list[httpx.Request] = field(default_factory=list)

    def forward(self, request: httpx.Request) -> httpx.Response:
        got = self.app.request(
            request.method, str(request.url), headers=request.headers, content=request.read()
        )
        return httpx.Response(got.status_code, headers=got.headers, content=got.content)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.handler(request, self.forward)


@dataclass
class Harness:
    client: Client
    wire: Wire
    registry: Runtime
    home: Path


def open_harness(home: Path, user: str = "alice") -> Iterator[Harness]:
    settings = Settings(home=home / "store", cache_dir=home / "cache", user=user)
    registry = build(settings)
    with TestClient(create_app(registry=registry), headers={"X-Modelyard-User": user}) as app:
        wire = Wire(app)
        http = httpx.Client(base_url="http://testserver", transport=wire)
        transport = HttpTransport("http://testserver", settings, http, sleep=lambda _: None)
        client = Client(transport=transport, settings=settings)
        yield Harness(client, wire, registry, home)
        client.close()
    registry.close()


def files_outside(home: Path) -> set[Path]:
    """Every path under ``home`` except the store: what a download may have written."""
    store = home / "store"
    return {p for p in home.rglob("*") if store not in p.parents and p != store}
