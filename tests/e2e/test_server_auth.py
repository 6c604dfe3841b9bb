"""A real ``modelyard server --auth`` on loopback: start-up, the SDK and the CLI."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

import modelyard
from modelyard.api.server import auth_required
from modelyard.client.client import Client
from modelyard.config import Settings
from tests.e2e.servers import BIN, clean_env, free_port, server

ADMIN = "e2e-admin-token-0123456789abcdef-0123"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("auth-server") / "store"
    with server(home, "--auth", MODELYARD_ADMIN_TOKEN=ADMIN) as (url, _):
        yield url


def sdk(url: str, token: str | None) -> Client:
    settings = Settings(token=SecretStr(token) if token else None, user=None)
    return Client(url, settings=settings)


def cli(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "--uri", url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(**env),
        check=False,
    )


def test_sdk_with_token_creates_a_model_audited_as_admin(url: str) -> None:
    with sdk(url, ADMIN) as client:
        client.create_model("SdkAuth")
        events = client.audit(model="SdkAuth").items
    assert events[0].actor.startswith("admin token:")


def test_sdk_without_token_is_unauthenticated(url: str) -> None:
    with sdk(url, None) as client, pytest.raises(modelyard.Unauthenticated):
        client.search_models()


def test_sdk_never_puts_the_token_in_a_url(url: str) -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(base_url=url, event_hooks={"request": [seen.append]})
    from modelyard.client.http import HttpTransport

    transport = HttpTransport(url, Settings(token=SecretStr(ADMIN), user=None), client=http)
    with Client(transport=transport) as client:
        client.search_models()
    assert seen and all(ADMIN not in str(r.url) for r in seen)
    assert all(r.headers["authorization"] == f"Bearer {ADMIN}" for r in seen)


def test_cli_with_modelyard_token_lists_models(url: str) -> None:
    out = cli(url, "models", "list", "--json", MODELYARD_TOKEN=ADMIN)
    assert out.returncode == 0, out.stderr
    assert ADMIN not in out.stdout + out.stderr


def test_cli_without_token_fails_with_one_line(url: str) -> None:
    out = cli(url, "models", "list")
    assert out.returncode == 1
    assert out.stderr.strip().startswith("error: UNAUTHENTICATED")
    assert "Traceback" not in out.stderr


def test_server_with_auth_and_no_admin_refuses_to_start(tmp_path: Path) -> None:
    port = str(free_port())
    out = subprocess.run(
        [str(BIN), "server", "--auth", "--port", port, "--home", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        check=False,
    )
    assert out.returncode == 1
    assert "MODELYARD_ADMIN_TOKEN" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_server_refuses_a_short_admin_token(tmp_path: Path) -> None:
    port = str(free_port())
    out = subprocess.run(
        [str(BIN), "server", "--auth", "--port", port, "--home", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(MODELYARD_ADMIN_TOKEN="too-short"),
        check=False,
    )
    assert out.returncode == 1
    assert "MODELYARD_ADMIN_TOKEN must be" in out.stderr and "too-short" not in out.stderr


def test_public_bind_turns_auth_on() -> None:
    assert auth_required("0.0.0.0", auth=False, insecure=False)
    assert not auth_required("127.0.0.1", auth=False, insecure=False)
    assert auth_required("127.0.0.1", auth=True, insecure=False)


def test_insecure_public_bind_warns_loudly(capsys: pytest.CaptureFixture[str]) -> None:
    assert not auth_required("0.0.0.0", auth=False, insecure=True)
    assert "WITHOUT AUTHENTICATION" in capsys.readouterr().err
