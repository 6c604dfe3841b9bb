"""Schemathesis against /openapi.json: no 5xx, every response matches its schema."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings

from modelyard.adapters.http_sender import HttpSender
from modelyard.adapters.secrets import FernetSecretBox
from modelyard.api.app import create_app
from modelyard.api.dispatcher import WebhookRuntime
from modelyard.bootstrap import build
from modelyard.config import Settings
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import NewVersion
from modelyard.service import stages, versions


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    home: Path = tmp_path_factory.mktemp("fuzz") / "store"
    registry = build(Settings(home=home))
    data = b"weights"
    digest = registry.blobs.put(io.BytesIO(data)).digest
    spec = NewVersion(manifest=Manifest.build([ManifestEntry("model.bin", len(data), digest)]))
    for _ in range(2):
        versions.create_version(registry.context, "Fraud", spec)
    stages.set_alias(registry.context, "Fraud", "champion", "1")
    assert digest == hashlib.sha256(data).hexdigest()
    app = create_app(registry=registry)
    # webhooks on (a server key), with every name resolving to loopback, which the sender
    # refuses: the fuzzer reaches every webhook route and no request ever leaves
    sender = HttpSender(resolver=lambda host, port: ["127.0.0.1"])
    app.state.webhooks = WebhookRuntime(FernetSecretBox(Fernet.generate_key().decode()), sender)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    registry.close()


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def test_api_never_errors_and_matches_its_schema(api_schema: schemathesis.BaseSchema) -> None:
    # 20 fresh examples per operation per run (no example database): every CI run explores
    # new inputs, and the suite stays inside its time budget as operations are added
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        fuzz()
