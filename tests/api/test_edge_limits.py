"""Size limits at the edge: the blob cap, the missing-digests cap, and which uploads stream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from modelyard.api.app import create_app
from modelyard.api.limits import BodyLimit
from modelyard.api.mlflow.artifacts import PREFIXES as ARTIFACT_PREFIXES
from modelyard.bootstrap import build
from modelyard.config import Settings
from tests.api.support import assert_error, sha

CAP = 1000


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """A server whose blobs may be at most 1000 bytes; yields the client and its store."""
    home = tmp_path_factory.mktemp("limits") / "store"
    settings = Settings(home=home, db=None, artifacts=None, uri=None, user=None)
    registry = build(settings)
    app = create_app(settings.model_copy(update={"max_blob_bytes": CAP}), registry=registry)
    try:
        with TestClient(app, raise_server_exceptions=False) as http:
            yield http, home
    finally:
        registry.close()


def stored(home: Path) -> list[str]:
    """Every blob and every upload left in tmp/."""
    return sorted(p.name for p in (home / "artifacts").rglob("*") if p.is_file())


def chunks(data: bytes, size: int = 100) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def test_blob_of_exactly_the_cap_is_stored(capped: tuple[TestClient, Path]) -> None:
    http, _ = capped
    data = b"a" * CAP

    assert http.put(f"/api/v1/blobs/sha256:{sha(data)}", content=data).status_code == 201


def test_blob_declared_over_the_cap_returns_413_and_stores_nothing(
    capped: tuple[TestClient, Path],
) -> None:
    http, home = capped
    data = b"b" * (CAP + 1)
    before = stored(home)

    response = http.put(f"/api/v1/blobs/sha256:{sha(data)}", content=data)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert stored(home) == before


def test_blob_streamed_past_the_cap_returns_413_and_stores_nothing(
    capped: tuple[TestClient, Path],
) -> None:
    http, home = capped
    data = b"c" * (CAP * 3)
    before = stored(home)

    response = http.put(f"/api/v1/blobs/sha256:{sha(data)}", content=chunks(data))

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert stored(home) == before


@pytest.mark.parametrize("prefix", ARTIFACT_PREFIXES)
def test_artifact_streamed_past_the_cap_returns_413_in_mlflow_shape(
    capped: tuple[TestClient, Path], prefix: str
) -> None:
    http, home = capped
    before = stored(home)

    response = http.put(f"{prefix}/runs/r1/big.bin", content=chunks(b"d" * (CAP * 3)))

    assert response.status_code == 413
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert stored(home) == before


def test_content_length_of_5000_digits_returns_413(capped: tuple[TestClient, Path]) -> None:
    http, _ = capped

    response = http.put(
        f"/api/v1/blobs/sha256:{sha(b'x')}", content=b"x", headers={"Content-Length": "9" * 5000}
    )

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_missing_with_10001_digests_returns_400(capped: tuple[TestClient, Path]) -> None:
    http, _ = capped
    digests = [f"sha256:{i:064x}" for i in range(10_001)]

    response = http.post("/api/v1/blobs/missing", json={"digests": digests})

    assert_error(response, 400, "INVALID_ARGUMENT")
    assert "10000" in response.json()["error"]["message"]


def test_missing_with_10000_digests_answers(capped: tuple[TestClient, Path]) -> None:
    http, _ = capped
    digests = [f"sha256:{i:064x}" for i in range(10_000)]

    response = http.post("/api/v1/blobs/missing", json={"digests": digests})

    assert response.status_code == 200
    assert len(response.json()["missing"]) == 10_000


def test_max_blob_bytes_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELYARD_MAX_BLOB_BYTES", "12345")

    assert Settings().max_blob_bytes == 12345


async def _echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


@pytest.fixture(scope="module")
def tiny_json_limit() -> Iterator[TestClient]:
    """BodyLimit alone, with a 10-byte JSON limit, over an app that echoes body sizes."""
    app = Starlette(routes=[Route("/{rest:path}", _echo, methods=["PUT", "POST"])])
    with TestClient(BodyLimit(app, limit=10, blob_limit=CAP)) as http:
        yield http


@pytest.mark.parametrize(
    "url",
    [f"/api/v1/blobs/sha256:{sha(b'')}", *(f"{p}/runs/r1/model.bin" for p in ARTIFACT_PREFIXES)],
)
def test_uploads_on_every_streamed_prefix_escape_the_json_limit(
    tiny_json_limit: TestClient, url: str
) -> None:
    response = tiny_json_limit.put(url, content=b"z" * 500)

    assert (response.status_code, response.text) == (200, "500")


def test_json_body_over_the_json_limit_returns_413(tiny_json_limit: TestClient) -> None:
    response = tiny_json_limit.post("/api/v1/models", content=b"z" * 500)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
