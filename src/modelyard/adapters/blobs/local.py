"""Content-addressed blobs on the local filesystem: ``blobs/sha256/ab/abcdef…``.

A blob is written to a temporary file while it is hashed, fsynced, verified, then
renamed into place: it is either whole or absent. Keys are validated digests, never
user paths, so nothing can be read or written outside the root.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from modelyard.domain.digests import sha256_hex
from modelyard.domain.streams import copy_hashing
from modelyard.errors import (
    InsufficientStorage,
    IntegrityError,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from modelyard.service.ports import BlobInfo, Readable

CHUNK = 1024 * 1024


def check_offset(offset: int, size: int) -> bool:
    """Refuse offsets outside the blob; True when the offset is exactly its end."""
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= size:
        raise InvalidArgument(f"offset {offset} is outside the blob's {size} bytes")
    return offset == size


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.blobs = self.root / "blobs" / "sha256"
        self.tmp = self.root / "tmp"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def _path(self, digest: str) -> Path:
        hexd = sha256_hex(digest)
        return self.blobs / hexd[:2] / hexd

    def put(self, stream: Readable, expected: str | None = None) -> BlobInfo:
        if expected is not None:
            expected = sha256_hex(expected)
        try:
            return self._put(stream, expected)
        except OSError as exc:
            raise _storage_error(exc, self.root) from None

    def _put(self, stream: Readable, expected: str | None) -> BlobInfo:
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                info = copy_hashing(stream, out)
                out.flush()
                os.fsync(out.fileno())
            if expected is not None and info.digest != expected:
                raise IntegrityError(
                    f"uploaded bytes have sha256:{info.digest}, not the declared sha256:{expected}"
                )
            final = self._path(info.digest)
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)  # identical content: replacing is harmless
            _fsync_dir(final.parent)
            return info
        finally:
            tmp.unlink(missing_ok=True)

    def missing(self, digests: Iterable[str]) -> set[str]:
        return {d for d in (sha256_hex(x) for x in digests) if not self._path(d).is_file()}

    def size(self, digest: str) -> int:
        try:
            return self._path(digest).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"blob sha256:{sha256_hex(digest)} does not exist") from None

    def open(self, digest: str, offset: int = 0) -> BinaryIO:
        if offset:
            check_offset(offset, self.size(digest))
        path = self._path(digest)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            raise NotFound(f"blob sha256:{sha256_hex(digest)} does not exist") from None
        f = os.fdopen(fd, "rb")
        if offset:
            f.seek(offset)
        return f

    def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def digests(self) -> Iterator[str]:
        for sub in sorted(self.blobs.iterdir()):
            for f in sorted(sub.iterdir()):
                yield f.name

    def ping(self) -> None:
        if not self.blobs.is_dir() or not os.access(self.tmp, os.W_OK):
            raise Unavailable(f"blob store at {self.root} is not writable")


_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
_NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO})


def _storage_error(exc: OSError, root: Path) -> Exception:
    """Disk full is the operator's to fix (507); an unwritable store is unavailable (503)."""
    reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    if exc.errno in _NO_SPACE:
        return InsufficientStorage(f"blob store at {root} is full: {reason}")
    if exc.errno in _NOT_WRITABLE:
        return Unavailable(f"blob store at {root} cannot be written: {reason}")
    return exc


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
