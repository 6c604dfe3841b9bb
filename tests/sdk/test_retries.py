"""Retries over HTTP: only what is safe to send twice is sent twice.

The transport forwards each request to the real app and then plays a network failure, so
the server has already acted when the SDK sees the error, as after a real timeout.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import modelyard
from modelyard.domain.entities import NewVersion
from tests.sdk.support import make_version, manifest_of
from tests.sdk.wire_harness import Forward, Harness, open_harness


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    yield from open_harness(tmp_path)


def time_out_first(harness: Harness, method: str, path_end: str) -> None:
    """The first matching request reaches the server, then its answer is lost."""
    state = {"failed": False}

    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        response = forward(request)
        matches = request.method == method and request.url.path.endswith(path_end)
        if matches and not state["failed"]:
            state["failed"] = True
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    harness.wire.handler = handler


def sent(harness: Harness, method: str, path_end: str) -> list[httpx.Request]:
    return [r for r in harness.wire.seen if r.method == method and r.url.path.endswith(path_end)]


def test_rollback_after_read_timeout_resends_the_same_idempotency_key(harness: Harness) -> None:
    client = harness.client
    make_version(client, "Fraud", b"one")
    make_version(client, "Fraud", b"two")
    client.transition("Fraud", 1, "Production")
    client.transition("Fraud", 2, "Production")
    time_out_first(harness, "POST", "/rollback")

    client.rollback("Fraud")

    tries = sent(harness, "POST", "/rollback")
    keys = [r.headers.get("Idempotency-Key") for r in tries]
    assert len(tries) == 2
    assert keys[0] and keys[0] == keys[1]


def test_separate_calls_send_different_idempotency_keys(harness: Harness) -> None:
    harness.client.create_model("Fraud")
    harness.client.set_model_tag("Fraud", "team", "risk")
    harness.client.set_model_tag("Fraud", "team", "fraud")

    tries = sent(harness, "PUT", "/tags/team")
    assert len({r.headers["Idempotency-Key"] for r in tries}) == 2


def test_every_mutating_call_carries_an_idempotency_key(harness: Harness) -> None:
    client = harness.client
    make_version(client, "Fraud", b"one")
    client.set_alias("Fraud", "champion", 1)
    client.transition("Fraud", 1, "Staging")
    client.set_version_tag("Fraud", 1, "owner", "alice")
    client.delete_version_tag("Fraud", 1, "owner")
    client.delete_alias("Fraud", "champion")
    with modelyard.start_run(client=client) as run:
        run.log_metric("auc", 0.9)
    client.rename_model("Fraud", "Fraud2")
    client.delete_model("Fraud2")

    writes = [
        r
        for r in harness.wire.seen
        if r.method not in ("GET", "HEAD") and "/blobs/" not in r.url.path
    ]
    assert len(writes) >= 10
    assert all(r.headers.get("Idempotency-Key") for r in writes)


class OneShot:
    """A readable that cannot rewind, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)

    def read(self, n: int = -1, /) -> bytes:
        return self.inner.read(n)


def test_unkeyed_upload_is_not_resent_after_read_timeout(harness: Harness) -> None:
    time_out_first(harness, "PUT", "")
    data = b"weights"
    digest = hashlib.sha256(data).hexdigest()

    with pytest.raises(modelyard.Unavailable):
        harness.client.transport.upload_blob(digest, OneShot(data), len(data))

    assert len(sent(harness, "PUT", digest)) == 1


def test_unkeyed_upload_is_resent_after_connect_error(harness: Harness) -> None:
    state = {"failed": False}

    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        if not state["failed"]:
            state["failed"] = True
            raise httpx.ConnectError("refused", request=request)
        return forward(request)

    harness.wire.handler = handler
    data = b"weights"
    digest = hashlib.sha256(data).hexdigest()

    harness.client.transport.upload_blob(digest, OneShot(data), len(data))

    assert harness.client.transport.missing_blobs([digest]) == set()


def test_seekable_upload_is_resent_whole_after_read_timeout(harness: Harness) -> None:
    time_out_first(harness, "PUT", "")
    data = b"weights" * 100
    digest = hashlib.sha256(data).hexdigest()

    harness.client.transport.upload_blob(digest, io.BytesIO(data), len(data))

    assert [r.content for r in sent(harness, "PUT", digest)] == [data, data]


def test_read_after_503_then_success_returns_the_answer(harness: Harness) -> None:
    harness.client.create_model("Fraud")
    state = {"failed": False}

    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        if not state["failed"]:
            state["failed"] = True
            return httpx.Response(503, json={"error": {"code": "UNAVAILABLE", "message": "busy"}})
        return forward(request)

    harness.wire.handler = handler

    assert harness.client.get_model("Fraud").name == "Fraud"
    assert len(sent(harness, "GET", "/models/Fraud")) == 2


def test_read_that_stays_unavailable_raises_unavailable(harness: Harness) -> None:
    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        return httpx.Response(503, text="upstream down")

    harness.wire.handler = handler

    with pytest.raises(modelyard.Unavailable):
        harness.client.get_model("Fraud")

    assert len(harness.wire.seen) == 4


def test_download_cut_off_resumes_with_range(harness: Harness) -> None:
    data = bytes(range(256)) * 64
    manifest = manifest_of(harness.client, {"model.bin": data})
    harness.client.create_version("Fraud", NewVersion(manifest=manifest))
    state = {"cut": False}

    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        response = forward(request)
        if "/blobs/sha256:" not in request.url.path or state["cut"]:
            return response
        state["cut"] = True

        def half() -> Iterator[bytes]:
            yield response.content[:1000]
            raise httpx.ReadError("connection reset", request=request)

        return httpx.Response(200, content=half())

    harness.wire.handler = handler

    root = harness.client.download("models:/Fraud/1")

    blob_gets = sent(harness, "GET", manifest.entries[0].sha256)
    assert (root / "model.bin").read_bytes() == data
    assert [r.headers.get("Range") for r in blob_gets] == [None, "bytes=1000-"]
