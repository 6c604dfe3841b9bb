"""Logging model files: hash a directory into a manifest and push the blobs the store lacks.

Everything streams in chunks; no file is ever held whole in memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from modelyard.client.fetch import Counting, Progress
from modelyard.client.transport import Transport
from modelyard.domain.digests import Manifest, ManifestEntry, artifact_path
from modelyard.domain.streams import CHUNK
from modelyard.errors import InvalidArgument


def hash_file(path: Path, progress: Progress | None = None) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
            if progress:
                progress(len(chunk))
    return h.hexdigest(), size


def _files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.is_symlink() or not path.is_file():
                raise InvalidArgument(f"{path} is not a regular file; refusing to log it")
            yield path


def build_manifest(root: Path) -> Manifest:
    """Hash every regular file under ``root`` into a manifest."""
    entries = []
    for path in _files(root):
        rel = artifact_path(path.relative_to(root).as_posix())
        digest, size = hash_file(path)
        entries.append(ManifestEntry(rel, size, digest))
    return Manifest.build(entries)


def push(
    transport: Transport, root: Path, manifest: Manifest, progress: Progress | None = None
) -> None:
    """Upload only the blobs the store lacks."""
    missing = transport.missing_blobs(manifest.blob_digests())
    for entry in manifest.entries:
        if entry.sha256 in missing:
            with (root / entry.path).open("rb") as f:
                transport.upload_blob(entry.sha256, _Rewindable(f, progress), entry.size)
            missing.discard(entry.sha256)


class _Rewindable(Counting):
    """A counting stream over a file that the transport may rewind to re-send it."""

    def __init__(self, f: BinaryIO, progress: Progress | None) -> None:
        super().__init__(f, progress)
        self.file = f

    def seek(self, offset: int) -> int:
        return self.file.seek(offset)

    def tell(self) -> int:
        return self.file.tell()
