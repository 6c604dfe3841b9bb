"""A server with authentication on, a user per role and a token for each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.api.auth import AuthConfig
from modelyard.bootstrap import Runtime, build
from modelyard.config import Settings
from modelyard.domain.identity import Principal
from modelyard.service import identity
from tests.api.support import Server
from tests.conftest import fresh_store

ADMIN_TOKEN = "bootstrap-admin-token-0123456789abcdef"
ROLES = ("viewer", "editor", "maintainer", "admin")
SETUP = Principal.local("setup")


@dataclass
class AuthServer:
    srv: Server
    tokens: dict[str, str] = field(default_factory=dict)  # role (or "disabled") -> token

    @property
    def http(self) -> TestClient:
        return self.srv.http

    def as_(self, who: str) -> dict[str, str]:
        """Headers of a request by ``who``: a role, "disabled", or "anonymous"."""
        if who == "anonymous":
            return {"Authorization": ""}
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def add_user(registry: Runtime, name: str, role: str | None) -> str:
    """Create a user with a global ``role`` (none when None) and return a token of it."""
    identity.create_user(registry.context, SETUP, name, role=role)
    return identity.create_token(registry.context, SETUP, "test", user=name)[1]


@contextmanager
def auth_server(
    root: Path, template: Path | None, db: str | None = None, proxy: AuthConfig | None = None
) -> Iterator[AuthServer]:
    """Serve a store with auth on: ``admin`` from the bootstrap token, one user per role,
    and a disabled user; requests carry the admin token unless they say otherwise."""
    store = root / "store"
    if template is not None and db is None:
        fresh_store(template, store)
    store.mkdir(parents=True, exist_ok=True)
    settings = Settings(home=store, db=db, artifacts=None, cache_dir=None, uri=None, user=None)
    registry = build(settings)
    identity.ensure_admin(registry.context, ADMIN_TOKEN)
    tokens = {role: add_user(registry, f"{role}-user", role) for role in ROLES}
    tokens["disabled"] = add_user(registry, "gone", "admin")
    identity.disable_user(registry.context, SETUP, "gone")
    tokens["nogrant"] = add_user(registry, "nobody", None)
    tokens["bootstrap"] = ADMIN_TOKEN
    app = create_app(registry=registry, auth=proxy or AuthConfig(True))
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        with TestClient(app, raise_server_exceptions=False, headers=headers) as http:
            yield AuthServer(Server(http, root, store, registry), tokens)
    finally:
        registry.close()
