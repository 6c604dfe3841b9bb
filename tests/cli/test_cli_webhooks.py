"""``modelyard webhooks``: on the embedded store and over HTTP; secrets shown once only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI

from modelyard.adapters.http_sender import HttpSender
from modelyard.adapters.secrets import FernetSecretBox
from modelyard.api.dispatcher import WebhookRuntime
from modelyard.cli.server import export_webhooks
from modelyard.config import Settings
from tests.cli.support import assert_error, cli, ok, ok_json

KEY = Fernet.generate_key().decode()
URL = "https://ci.example/deploy"
SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"


@pytest.fixture
def hooks(
    home: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Webhooks on, for both transports: the key in the environment (embedded) and on the
    test server's app (http)."""
    monkeypatch.setenv("MODELYARD_SECRET_KEY", KEY)
    if "http" not in request.node.callspec.id:
        yield home
        return
    app: FastAPI = request.getfixturevalue("http_app")[1]
    sender = HttpSender(resolver=lambda host, port: ["93.184.216.34"])
    app.state.webhooks = WebhookRuntime(FernetSecretBox(KEY), sender)
    yield home
    app.state.webhooks = WebhookRuntime(None, HttpSender())


def test_webhooks_create_prints_the_secret_once(hooks: Path) -> None:
    out = ok("webhooks", "create", URL, "--events", "stage.transitioned,version.created")
    secret = out.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    listed = ok("webhooks", "list", "--json").stdout
    assert secret not in listed and URL in listed


def test_webhooks_create_reads_the_secret_from_an_environment_variable(
    hooks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    out = ok("webhooks", "create", URL, "--events", "*", "--secret-env", "HOOK_SECRET")
    assert SECRET not in out.stdout


def test_webhooks_create_with_an_unset_secret_variable_fails(hooks: Path) -> None:
    result = cli("webhooks", "create", URL, "--events", "*", "--secret-env", "NOPE_UNSET")
    assert_error(result, "INVALID_ARGUMENT")


def test_webhooks_create_refuses_plain_http(hooks: Path) -> None:
    result = cli("webhooks", "create", "http://ci.example/x", "--events", "*")
    assert_error(result, "INVALID_ARGUMENT")


def test_webhooks_update_disable_show_deliveries_delete(hooks: Path) -> None:
    created = ok_json("webhooks", "create", URL, "--events", "version.created")
    hook = str(created["id"])
    assert ok_json("webhooks", "update", hook, "--model", "Fraud")["model"] == "Fraud"
    ok("webhooks", "disable", hook)
    assert ok_json("webhooks", "show", hook)["enabled"] is False
    assert ok_json("webhooks", "deliveries", hook)["items"] == []
    ok("webhooks", "delete", hook)
    assert_error(cli("webhooks", "show", hook), "RESOURCE_NOT_FOUND")


def test_server_webhook_flags_reach_the_workers_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # set first, so the monkeypatch restores what export_webhooks overwrites
    monkeypatch.setenv("MODELYARD_WEBHOOK_ALLOW_HOSTS", "")
    monkeypatch.setenv("MODELYARD_WEBHOOK_ALLOW_HTTP", "0")
    export_webhooks("ci.internal,127.0.0.1", True)
    settings = Settings()
    assert settings.webhook_allow_hosts == "ci.internal,127.0.0.1"
    assert settings.webhook_allow_http is True
