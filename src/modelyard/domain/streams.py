"""Byte streams as the registry sees them: what can be read, and a hashing copy between two.

Pure: the copy works on objects the caller opened; it makes no filesystem call itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BlobInfo:
    digest: str
    size: int


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class ReadStream(Readable, Protocol):
    def close(self) -> None: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


def copy_hashing(src: Readable, dst: Writable) -> BlobInfo:
    """Copy a stream in chunks, returning its SHA-256 and size."""
    h, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK):
        h.update(chunk)
        dst.write(chunk)
        size += len(chunk)
    return BlobInfo(h.hexdigest(), size)
