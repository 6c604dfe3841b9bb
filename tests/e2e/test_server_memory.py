"""Large artifacts stream: a 1 GiB upload and download keep the server's memory bounded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx

from modelyard.client.http import HttpTransport
from tests.e2e.servers import rss_kib, server

GIB = 1024**3
CHUNK = 4 * 1024 * 1024
LIMIT_KIB = 100 * 1024


def _chunks() -> Iterator[bytes]:
    seed = hashlib.sha256(b"modelyard").digest() * (CHUNK // 32)
    for i in range(GIB // CHUNK):
        yield i.to_bytes(8, "big") + seed[8:]


class _Stream:
    def __init__(self) -> None:
        self.chunks = _chunks()

    def read(self, n: int = -1, /) -> bytes:
        return next(self.chunks, b"")


def test_one_gib_round_trip_keeps_server_memory_bounded(tmp_path: Path) -> None:
    h = hashlib.sha256()
    for chunk in _chunks():
        h.update(chunk)
    digest = h.hexdigest()
    with server(tmp_path / "store") as (url, proc):
        httpx.get(f"{url}/readyz")
        baseline = rss_kib(proc.pid)
        transport = HttpTransport(url)
        transport.upload_blob(digest, _Stream(), GIB)
        stream = transport.open_blob(digest)
        back, size = hashlib.sha256(), 0
        while chunk := stream.read(CHUNK):
            back.update(chunk)
            size += len(chunk)
        stream.close()
        peak = rss_kib(proc.pid, "VmHWM")
        transport.close()
    assert size == GIB and back.hexdigest() == digest
    assert peak - baseline < LIMIT_KIB, f"server grew {(peak - baseline) // 1024} MiB"
