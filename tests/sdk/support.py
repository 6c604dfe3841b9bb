"""Helpers for the SDK suite: cheap versions from uploaded blobs, and transport wrappers."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from modelyard.client.client import Client
from modelyard.client.transport import Transport
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import ModelVersion, NewVersion
from modelyard.domain.streams import ReadStream

ACTOR = "alice"


def put_blob(client: Client, data: bytes) -> str:
    """Upload ``data`` through the client's transport and return its hex digest."""
    digest = hashlib.sha256(data).hexdigest()
    client.transport.upload_blob(digest, io.BytesIO(data), len(data))
    return digest


def manifest_of(client: Client, files: dict[str, bytes]) -> Manifest:
    """Upload each file's bytes and build the manifest naming them."""
    entries = [
        ManifestEntry(path, len(data), put_blob(client, data)) for path, data in files.items()
    ]
    return Manifest.build(entries)


def spec_of(client: Client, data: bytes = b"weights", **fields: Any) -> NewVersion:
    """A version spec with one file, ``model.bin``, whose blob is already stored."""
    return NewVersion(manifest=manifest_of(client, {"model.bin": data}), **fields)


def make_version(
    client: Client, name: str = "Fraud", data: bytes = b"weights", **fields: Any
) -> ModelVersion:
    """Register the next version of ``name`` without training anything."""
    return client.create_version(name, spec_of(client, data, **fields))


def make_versions(client: Client, name: str, count: int) -> list[ModelVersion]:
    return [make_version(client, name, f"weights-{i}".encode()) for i in range(count)]


class CountingTransport:
    """Wraps a transport and records every blob it opens (a download)."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.opened: list[str] = []

    def open_blob(self, digest: str) -> ReadStream:
        self.opened.append(digest)
        return self.inner.open_blob(digest)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def counting_client(client: Client) -> tuple[Client, CountingTransport]:
    """A second facade over the same transport that counts downloads (do not close it)."""
    counting = CountingTransport(client.transport)
    return Client(transport=counting, settings=client.settings), counting  # type: ignore[arg-type]
