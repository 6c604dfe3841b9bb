"""Moving model files: hash a directory into a manifest, push missing blobs, fetch and verify.

Everything streams in chunks; no file is ever held whole in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from modelyard.adapters.blobs.local import copy_hashing
from modelyard.client.transport import Transport
from modelyard.domain.digests import Manifest, ManifestEntry, artifact_path
from modelyard.errors import IntegrityError, InvalidArgument
from modelyard.service.ports import Readable

CHUNK = 1024 * 1024
Progress = Callable[[int], None]


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
                transport.upload_blob(entry.sha256, _Counting(f, progress), entry.size)
            missing.discard(entry.sha256)


class _Counting:
    """A read-only stream that reports progress as it is read."""

    def __init__(self, f: Readable, progress: Progress | None) -> None:
        self.f, self.progress = f, progress

    def read(self, n: int = -1, /) -> bytes:
        data = self.f.read(n)
        if self.progress and data:
            self.progress(len(data))
        return data


def verified(path: Path, entry: ManifestEntry) -> bool:
    if not path.is_file() or path.is_symlink() or path.stat().st_size != entry.size:
        return False
    return hash_file(path)[0] == entry.sha256


def fetch(
    transport: Transport, manifest: Manifest, dest: Path, progress: Progress | None = None
) -> Path:
    """Materialise a version's files under ``dest``, each verified against its digest.

    Files already present and intact are kept, so a second load downloads nothing.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for entry in manifest.entries:
        target = dest / artifact_path(entry.path)
        if verified(target, entry):
            if progress:
                progress(entry.size)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _download(transport, entry, target, progress)
    return dest


def _download(
    transport: Transport, entry: ManifestEntry, target: Path, progress: Progress | None
) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    tmp = Path(tmp_name)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            contextlib.closing(transport.open_blob(entry.sha256)) as src,
        ):
            got = copy_hashing(_Counting(src, progress), out)
        if got.digest != entry.sha256 or got.size != entry.size:
            raise IntegrityError(
                f"file {entry.path!r} does not match its digest: expected sha256:{entry.sha256}, "
                f"got sha256:{got.digest}; the stored blob is corrupt"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
