"""The /api/v1 contract at its edges: values JSON cannot hold, limits, broken responses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import modelyard
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import NewVersion
from modelyard.domain.lineage import RunSpec
from tests.sdk.support import put_blob
from tests.sdk.wire_harness import Forward, Harness, open_harness


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    yield from open_harness(tmp_path)


def version_body(harness: Harness, field: str, raw: str) -> str:
    digest = put_blob(harness.client, b"weights")
    files = f'[{{"path": "model.bin", "size": 7, "sha256": "{digest}"}}]'
    return f'{{"files": {files}, "{field}": {raw}}}'


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("flavor_metadata", '{"threshold": NaN}'),
        ("flavor_metadata", '{"nested": [1, {"deep": Infinity}]}'),
        ("signature", '{"inputs": [], "outputs": [], "bound": -Infinity}'),
    ],
)
def test_create_version_with_non_finite_json_is_400(harness: Harness, field: str, raw: str) -> None:
    harness.client.create_model("Fraud")

    response = harness.wire.app.post(
        "/api/v1/models/Fraud/versions",
        content=version_body(harness, field, raw),
        headers={"Content-Type": "application/json", "Idempotency-Key": "k1"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert harness.client.get_model("Fraud").latest_version == 0


def test_start_run_with_64_character_python_version_is_recorded(harness: Harness) -> None:
    version = "3.11.9+" + "x" * 57

    run = harness.client.transport.start_run(RunSpec(python_version=version))

    assert harness.client.get_run(run.id).python_version == version


def test_start_run_with_65_character_python_version_is_invalid(harness: Harness) -> None:
    with pytest.raises(modelyard.InvalidArgument):
        harness.client.transport.start_run(RunSpec(python_version="3" * 65))

    assert [r for r in harness.wire.seen if r.url.path == "/api/v1/runs"] == []


def test_malformed_response_is_not_the_callers_invalid_argument(harness: Harness) -> None:
    harness.client.create_model("Fraud")

    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        body = forward(request).json()
        body["latest_version"] = "many"
        return httpx.Response(200, json=body)

    harness.wire.handler = handler

    with pytest.raises(modelyard.ModelyardError) as err:
        harness.client.get_model("Fraud")

    assert not isinstance(err.value, modelyard.InvalidArgument)
    assert "malformed response from server" in err.value.message


def test_response_that_is_not_json_is_malformed(harness: Harness) -> None:
    harness.wire.handler = lambda request, forward: httpx.Response(200, text="<html>proxy</html>")

    with pytest.raises(modelyard.ModelyardError) as err:
        harness.client.get_model("Fraud")

    assert not isinstance(err.value, modelyard.InvalidArgument)
    assert "malformed response from server" in err.value.message


def test_create_version_with_non_finite_metadata_is_refused_before_sending(
    harness: Harness,
) -> None:
    digest = put_blob(harness.client, b"weights")
    manifest = Manifest.build([ManifestEntry("model.bin", 7, digest)])
    spec = NewVersion(manifest=manifest, flavor_metadata={"x": float("nan")})

    with pytest.raises(modelyard.InvalidArgument):
        harness.client.create_version("Fraud", spec)

    assert [r for r in harness.wire.seen if r.url.path.endswith("/versions")] == []
