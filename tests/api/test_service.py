"""OpenAPI, health, readiness, metrics and request ids."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import open_server
from tests.api.support import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, store_template: Path) -> Iterator[Server]:
    """One server for the module, since every test here only reads or is refused; the
    teardown proves that nothing was written."""
    with open_server(tmp_path_factory.mktemp("service"), store_template) as srv:
        before = srv.snapshot()
        yield srv
        assert srv.snapshot() == before
        srv.assert_contained()


def test_openapi_document_lists_the_v1_routes(server: Server) -> None:
    response = server.http.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/models",
        "/api/v1/models/{name}/versions",
        "/api/v1/blobs/{ref}",
        "/api/v1/versions",
        "/api/v1/runs",
        "/api/v1/audit",
    ):
        assert path in paths


def test_docs_page_returns_html(server: Server) -> None:
    response = server.http.get("/docs")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


def test_healthz_returns_ok(server: Server) -> None:
    response = server.http.get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_returns_ready(server: Server) -> None:
    response = server.http.get("/readyz")

    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def test_metrics_counts_requests_in_prometheus_text(server: Server) -> None:
    server.http.get("/api/v1/models")

    response = server.http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE modelyard_http_requests_total counter" in response.text
    assert 'route="/api/v1/models"' in response.text and 'status="200"' in response.text


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/v1/models", "/api/v1/models/Ghost", "/api/v1/nothing-here"]
)
def test_response_carries_a_request_id(server: Server, path: str) -> None:
    response = server.http.get(path)

    assert response.headers["X-Request-Id"].isalnum()


def test_response_echoes_a_clean_request_id(server: Server) -> None:
    response = server.http.get("/healthz", headers={"X-Request-Id": "abc123"})

    assert response.headers["X-Request-Id"] == "abc123"


def test_response_replaces_a_hostile_request_id(server: Server) -> None:
    response = server.http.get("/healthz", headers={"X-Request-Id": "x\x1b[31m;evil"})

    assert response.headers["X-Request-Id"] != "x\x1b[31m;evil"
    assert response.headers["X-Request-Id"].isalnum()


def test_payload_too_large_response_carries_a_request_id(server: Server) -> None:
    body = b'{"name": "' + b"a" * (33 * 1024 * 1024) + b'"}'

    response = server.http.post(
        "/api/v1/models", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert "X-Request-Id" in response.headers
