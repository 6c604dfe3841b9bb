"""Blobs of deleted versions are not served by digest; blobs of live versions are."""

from __future__ import annotations

from tests.api.support import Server, assert_error, sha


def test_get_blob_of_deleted_version_returns_404(server: Server) -> None:
    assert server.create_version("Fraud", {"model.bin": b"weights"}).status_code == 201
    assert server.http.delete("/api/v1/models/Fraud/versions/1").status_code == 204
    response = server.http.get(f"/api/v1/blobs/sha256:{sha(b'weights')}")
    assert_error(response, 404, "RESOURCE_NOT_FOUND")


def test_head_blob_of_deleted_model_returns_404(server: Server) -> None:
    assert server.create_version("Fraud", {"model.bin": b"weights"}).status_code == 201
    assert server.http.delete("/api/v1/models/Fraud").status_code == 204
    assert server.http.head(f"/api/v1/blobs/sha256:{sha(b'weights')}").status_code == 404


def test_get_blob_of_live_version_returns_bytes(server: Server) -> None:
    assert server.create_version("Fraud", {"model.bin": b"weights"}).status_code == 201
    response = server.http.get(f"/api/v1/blobs/sha256:{sha(b'weights')}")
    assert (response.status_code, response.content) == (200, b"weights")
