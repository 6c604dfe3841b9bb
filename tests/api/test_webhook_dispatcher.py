"""The dispatcher a server runs in its lifespan: deliveries go out without anyone calling
``deliver_due``, the task stops with the app, and a new app on the same store delivers
what the previous one left pending."""

from __future__ import annotations

import time
from pathlib import Path

from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr

from modelyard.api.app import create_app
from modelyard.config import Settings
from modelyard.service import versions
from tests.conftest import fresh_store
from tests.fakes import new_version
from tests.webhook_receiver import Reply, receiver

KEY = Fernet.generate_key().decode()


def settings(home: Path, dispatch: bool = True) -> Settings:
    return Settings(
        home=home,
        db=None,
        artifacts=None,
        cache_dir=None,
        uri=None,
        user=None,
        secret_key=SecretStr(KEY),
        webhook_allow_hosts="127.0.0.1",
        webhook_allow_http=True,
        webhook_dispatch=dispatch,
    )


def test_server_dispatcher_delivers_and_a_restarted_server_resumes(
    tmp_path: Path, store_template: Path
) -> None:
    home = fresh_store(store_template, tmp_path / "store")
    with receiver([Reply(204)]) as box:
        with TestClient(create_app(settings(home, dispatch=False))) as http:
            body = {"url": box.url, "events": ["version.created"]}
            assert http.post("/api/v1/webhooks", json=body).status_code == 201
            registry = http.app.state.registry  # type: ignore[attr-defined]
            versions.create_version(registry.context, "Fraud", new_version(registry.blobs))
        assert box.received == []  # that server ran no dispatcher: the event is pending
        with TestClient(create_app(settings(home))) as http:
            assert box.wait_for(1)
            metrics = _metrics_after_record(http)
        assert b'"type":"version.created"' in box.received[0].body
    assert box.received[0].headers["webhook-signature"].startswith("v1,")
    assert SUCCEEDED in metrics


SUCCEEDED = 'modelyard_webhook_deliveries_total{outcome="succeeded"} 1.0'


def _metrics_after_record(http: TestClient) -> str:
    # the attempt is recorded just after the receiver answered: poll, bounded
    text = ""
    for _ in range(200):
        text = http.get("/metrics").text
        if SUCCEEDED in text:
            break
        time.sleep(0.05)
    return text
