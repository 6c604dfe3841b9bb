"""/api/v1/webhooks in-process: status codes, error bodies, secrets shown once, admin only,
and a delivery's log read back after the dispatcher ran against a loopback receiver."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from modelyard.adapters.http_sender import HttpSender
from modelyard.adapters.secrets import FernetSecretBox
from modelyard.api.dispatcher import WebhookRuntime
from modelyard.service import versions
from modelyard.service.dispatch import Dispatcher, deliver_due
from tests.api.auth_support import AuthServer, auth_server
from tests.api.support import Server
from tests.fakes import new_version
from tests.webhook_receiver import Reply, receiver

KEY = Fernet.generate_key().decode()
TARGET = "https://ci.example/hook"


def enable(srv: Server, *, loopback: bool = True) -> WebhookRuntime:
    """Webhooks on, names resolving to a public address; ``loopback`` lets the test
    receiver (plain http on 127.0.0.1) through, as an operator's allow-list would."""
    sender = HttpSender(
        allow_hosts=["127.0.0.1"] if loopback else [],
        allow_http=loopback,
        resolver=lambda h, p: ["93.184.216.34"],
    )
    hooks = WebhookRuntime(FernetSecretBox(KEY), sender)
    srv.http.app.state.webhooks = hooks  # type: ignore[attr-defined]
    return hooks


@pytest.fixture
def hooked(server: Server) -> Server:
    enable(server)
    return server


def create(srv: Server, url: str = TARGET, **extra: object) -> dict[str, object]:
    body = {"url": url, "events": ["version.created"], **extra}
    response = srv.http.post("/api/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    found: dict[str, object] = response.json()
    return found


def test_create_webhook_returns_the_secret_once(hooked: Server) -> None:
    created = create(hooked)
    secret = str(created["secret"])
    assert secret.startswith("whsec_")
    hook_id = created["webhook"]["id"]  # type: ignore[index]
    for path in ("/api/v1/webhooks", f"/api/v1/webhooks/{hook_id}"):
        assert secret not in hooked.http.get(path).text
    assert secret not in hooked.http.get("/api/v1/audit").text


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://ci.example/h", "events": ["version.created"]},
        {"url": "https://127.0.0.1/h", "events": ["version.created"]},
        {"url": "https://[::ffff:169.254.169.254]/", "events": ["version.created"]},
        {"url": TARGET, "events": ["no.such.event"]},
        {"url": TARGET, "events": []},
        {"url": TARGET, "events": ["version.created"], "extra": 1},
        {"url": TARGET, "events": ["version.created"], "secret": "short"},
    ],
)
def test_create_webhook_refuses_bad_input_with_400(server: Server, body: object) -> None:
    hooked = server
    enable(server, loopback=False)
    response = hooked.http.post("/api/v1/webhooks", json=body)
    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert hooked.http.get("/api/v1/webhooks").json()["webhooks"] == []


def test_create_webhook_without_a_server_key_is_unavailable(server: Server) -> None:
    response = server.http.post("/api/v1/webhooks", json={"url": TARGET, "events": ["*"]})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "UNAVAILABLE"


def test_update_and_delete_webhook(hooked: Server) -> None:
    hook_id = create(hooked)["webhook"]["id"]  # type: ignore[index]
    patched = hooked.http.patch(f"/api/v1/webhooks/{hook_id}", json={"enabled": False})
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert hooked.http.delete(f"/api/v1/webhooks/{hook_id}").status_code == 204
    assert hooked.http.get(f"/api/v1/webhooks/{hook_id}").status_code == 404


def test_rotate_secret_returns_a_new_secret(hooked: Server) -> None:
    created = create(hooked)
    hook_id = created["webhook"]["id"]  # type: ignore[index]
    rotated = hooked.http.post(f"/api/v1/webhooks/{hook_id}/rotate-secret", json={})
    assert rotated.status_code == 200
    assert rotated.json()["secret"] not in (None, created["secret"])


def test_deliveries_and_attempts_show_the_log_and_redeliver_queues(hooked: Server) -> None:
    with receiver([Reply(500, body=b"nope")]) as box:
        hook_id = create(hooked, box.url)["webhook"]["id"]  # type: ignore[index]
        ctx = hooked.registry.context
        versions.create_version(ctx, "Fraud", new_version(hooked.registry.blobs, b"w"))  # type: ignore[arg-type]
        hooks: WebhookRuntime = hooked.http.app.state.webhooks  # type: ignore[attr-defined]
        dispatcher = Dispatcher(hooks.secret_box(), hooks.sender, "t", jitter=lambda: 1.0)
        deliver_due(ctx, dispatcher, datetime.now(UTC))
        ping = hooked.http.post(f"/api/v1/webhooks/{hook_id}/test", json={})
    assert ping.status_code == 200 and ping.json()["ok"] is True
    deliveries = hooked.http.get(f"/api/v1/webhooks/{hook_id}/deliveries").json()["deliveries"]
    assert [d["status"] for d in deliveries] == ["pending"]
    attempts = hooked.http.get(f"/api/v1/webhooks/deliveries/{deliveries[0]['id']}/attempts")
    assert [(a["status"], a["response"]) for a in attempts.json()["attempts"]] == [(500, "nope")]
    again = hooked.http.post(
        f"/api/v1/webhooks/deliveries/{deliveries[0]['id']}/redeliver", json={}
    )
    assert again.status_code == 409


@pytest.fixture
def authed(tmp_path: Path, store_template: Path) -> Iterator[AuthServer]:
    with auth_server(tmp_path, store_template) as auth:
        enable(auth.srv)
        yield auth


@pytest.mark.parametrize("role", ["viewer", "editor", "maintainer"])
def test_webhooks_below_admin_are_forbidden(authed: AuthServer, role: str) -> None:
    headers = authed.as_(role)
    body = {"url": TARGET, "events": ["*"]}
    assert authed.http.post("/api/v1/webhooks", json=body, headers=headers).status_code == 403
    assert authed.http.get("/api/v1/webhooks", headers=headers).status_code == 403


def test_webhooks_as_admin_are_allowed(authed: AuthServer) -> None:
    body = {"url": TARGET, "events": ["*"]}
    assert authed.http.post("/api/v1/webhooks", json=body).status_code == 201


def test_create_webhook_with_an_idempotency_key_stores_no_secret(hooked: Server) -> None:
    body = {"url": TARGET, "events": ["*"]}
    response = hooked.http.post("/api/v1/webhooks", json=body, headers={"Idempotency-Key": "k1"})
    secret = response.json()["secret"]
    with hooked.registry.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM request_keys").fetchall()
    assert secret not in repr(rows)
    assert secret.removeprefix("whsec_") not in repr(rows)
