"""The in-memory blob store, a fixed clock, sequential ids, and a service context over the fakes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from modelyard.domain.digests import Manifest, ManifestEntry, sha256_hex
from modelyard.domain.entities import (
    NewVersion,
)
from modelyard.errors import (
    IntegrityError,
    InvalidArgument,
    NotFound,
)
from modelyard.service.context import Context
from modelyard.service.ports import (
    BlobInfo,
    Readable,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


class MemoryBlobStore:
    """Content-addressed blobs in a dict, keyed by bare lowercase SHA-256 hex."""

    CHUNK = 64 * 1024

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, stream: Readable, expected: str | None = None) -> BlobInfo:
        want = sha256_hex(expected) if expected is not None else None
        hasher, chunks = hashlib.sha256(), []
        while chunk := stream.read(self.CHUNK):
            hasher.update(chunk)
            chunks.append(chunk)
        digest = hasher.hexdigest()
        if want is not None and digest != want:
            raise IntegrityError(f"content has digest sha256:{digest}, not sha256:{want}")
        data = b"".join(chunks)
        self.blobs.setdefault(digest, data)
        return BlobInfo(digest, len(data))

    def missing(self, digests: Iterable[str]) -> set[str]:
        return {h for h in (sha256_hex(d) for d in digests) if h not in self.blobs}

    def _get(self, digest: str) -> bytes:
        key = sha256_hex(digest)
        if key not in self.blobs:
            raise NotFound(f"no blob sha256:{key}")
        return self.blobs[key]

    def size(self, digest: str) -> int:
        return len(self._get(digest))

    def open(self, digest: str, offset: int = 0) -> BinaryIO:
        data = self._get(digest)
        if not 0 <= offset <= len(data):
            raise InvalidArgument(f"offset {offset} is outside the blob (size {len(data)})")
        return io.BytesIO(data[offset:])

    def delete(self, digest: str) -> None:
        self.blobs.pop(sha256_hex(digest), None)  # idempotent, so garbage collection can restart

    def digests(self) -> Iterator[str]:
        return iter(sorted(self.blobs))

    def ping(self) -> None:
        return None


class FixedClock:
    """A UTC clock that starts at 2026-01-01 and advances one second per call."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(seconds=1)
        return current


class SequentialIds:
    """32-character lowercase hex ids: 000…001, 000…002, …"""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.count:032x}"


def make_context(actor: str = "alice") -> Context:
    from tests.fakes import FakeUnitOfWorkFactory  # the fakes build on this module

    return Context(
        uow=FakeUnitOfWorkFactory(),
        blobs=MemoryBlobStore(),
        clock=FixedClock(),
        new_id=SequentialIds(),
        actor=actor,
    )


def stored_manifest(blobs: MemoryBlobStore, files: dict[str, bytes] | None = None) -> Manifest:
    """Store each file's bytes in ``blobs`` and return the manifest that names them."""
    files = files if files is not None else {"model.skops": b"weights", "MLmodel": b"flavor: x"}
    entries = []
    for path, data in files.items():
        info = blobs.put(io.BytesIO(data))
        entries.append(ManifestEntry(path, info.size, info.digest))
    return Manifest.build(entries)


def new_version(
    blobs: MemoryBlobStore, content: bytes = b"weights", **fields: object
) -> NewVersion:
    """A NewVersion whose single file (with ``content``) is already stored."""
    manifest = stored_manifest(blobs, {"model.bin": content})
    return NewVersion(manifest=manifest, **fields)  # type: ignore[arg-type]
