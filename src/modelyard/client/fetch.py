"""Putting a version's files on disk without trusting the server or what is already there.

Every local path is built from values the client computed or validated itself: the cache
entry is named by the digest recomputed from the manifest, and each file path passed the
artifact path grammar. Files are written only into a fresh directory this code just made
(``O_EXCL | O_NOFOLLOW``), verified while written, and the directory is renamed into place
whole. An existing cache entry is used only if it holds exactly the manifest's files as
regular files owned by this user; a symlink or a file the manifest does not name is refused.
Cache directories are private (0700) and must belong to this user, which narrows the gap
between verifying a file and the loader reading it to what this user could do anyway.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from modelyard.client.transport import Transport
from modelyard.domain.digests import Manifest, ManifestEntry, artifact_path
from modelyard.domain.streams import Readable, copy_hashing
from modelyard.errors import IntegrityError, InvalidArgument, PermissionDenied

Progress = Callable[[int], None]
_READ = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class Counting:
    """A read-only stream that reports progress as it is read."""

    def __init__(self, f: Readable, progress: Progress | None) -> None:
        self.f, self.progress = f, progress

    def read(self, n: int = -1, /) -> bytes:
        data = self.f.read(n)
        if self.progress and data:
            self.progress(len(data))
        return data


def _owner_check(path: Path, info: os.stat_result) -> None:
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        raise PermissionDenied(f"{path} belongs to another user; refusing to use it as a cache")


def private_dir(path: Path) -> Path:
    """Make ``path`` a directory only this user can enter; refuse a symlink or a stranger's."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise PermissionDenied(f"{path} is not a directory (a symlink?); refusing it as a cache")
    _owner_check(path, info)
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def _fresh_dir(parent: Path, prefix: str, mode: int) -> Path:
    """A new directory under ``parent`` that did not exist before: nobody else put it there."""
    for _ in range(16):
        candidate = parent / f"{prefix}{secrets.token_hex(8)}"
        try:
            candidate.mkdir(mode=mode)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"cannot create a temporary directory in {parent}")


def _local(root: Path, entry: ManifestEntry) -> Path:
    return root.joinpath(*artifact_path(entry.path).split("/"))


def _write_entry(
    transport: Transport,
    entry: ManifestEntry,
    target: Path,
    reuse: Path | None,
    progress: Progress | None,
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, _CREATE, 0o666)
    with os.fdopen(fd, "wb") as out:
        if reuse is not None and _copy_if_intact(reuse, entry, out):
            if progress:
                progress(entry.size)
            return
        with contextlib.closing(transport.open_blob(entry.sha256)) as src:
            got = copy_hashing(Counting(src, progress), out)
    if got.digest != entry.sha256 or got.size != entry.size:
        raise IntegrityError(
            f"file {entry.path!r} does not match its digest: expected sha256:{entry.sha256}, "
            f"got sha256:{got.digest}; the stored blob is corrupt"
        )


def _open_regular(path: Path) -> BinaryIO | None:
    """Open an existing regular file without following a symlink; None if there is none."""
    try:
        fd = os.open(path, _READ)
    except OSError:
        return None
    f = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
        f.close()
        return None
    return f


def _copy_if_intact(source: Path, entry: ManifestEntry, out: BinaryIO) -> bool:
    """Copy a previously cached file if it still matches; otherwise leave ``out`` empty."""
    src = _open_regular(source)
    if src is None:
        return False
    with src:
        got = copy_hashing(src, out)
    if got.digest == entry.sha256 and got.size == entry.size:
        return True
    out.seek(0)
    out.truncate()
    return False


def _intact(path: Path, entry: ManifestEntry) -> bool:
    f = _open_regular(path)
    if f is None:
        return False
    with f:
        if os.fstat(f.fileno()).st_size != entry.size:
            return False
        return copy_hashing(f, _Discard()).digest == entry.sha256


class _Discard:
    def write(self, data: bytes, /) -> int:
        return len(data)


def _materialise(
    transport: Transport,
    manifest: Manifest,
    root: Path,
    reuse: Path | None,
    progress: Progress | None,
) -> None:
    for entry in manifest.entries:
        old = _local(reuse, entry) if reuse is not None else None
        _write_entry(transport, entry, _local(root, entry), old, progress)


def _foreign(root: Path, manifest: Manifest) -> str | None:
    """The first thing under ``root`` that the manifest does not account for, if any."""
    files = {e.path for e in manifest.entries}
    dirs = {p.rsplit("/", i)[0] for p in files for i in range(1, p.count("/") + 1)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                return f"a symlink {rel!r}"
            expected = dirs if stat.S_ISDIR(info.st_mode) else files
            if rel not in expected or not (
                stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)
            ):
                return f"{rel!r}, which is not in the manifest"
    return None


def _usable(entry_dir: Path, manifest: Manifest) -> bool:
    """Whether a cache entry holds every file intact; refuse one holding anything else."""
    info = os.lstat(entry_dir)
    if not stat.S_ISDIR(info.st_mode):
        raise IntegrityError(f"cache entry {entry_dir} is not a directory; delete it")
    _owner_check(entry_dir, info)
    extra = _foreign(entry_dir, manifest)
    if extra is not None:
        raise IntegrityError(f"cache entry {entry_dir} holds {extra}; refusing it (delete it)")
    return all(_intact(_local(entry_dir, e), e) for e in manifest.entries)


def fetch_cached(
    transport: Transport, manifest: Manifest, cache: Path, progress: Progress | None = None
) -> Path:
    """The version's files under ``cache/versions/<digest>``, downloading what is missing.

    ``manifest`` must be one the client verified (its digest recomputed from its entries).
    """
    versions = private_dir(private_dir(cache) / "versions")
    entry_dir = versions / manifest.digest
    existing = os.path.lexists(entry_dir)
    if existing and _usable(entry_dir, manifest):
        if progress:
            progress(manifest.total_size)
        return entry_dir
    fresh = _fresh_dir(versions, ".part-", 0o700)
    try:
        _materialise(transport, manifest, fresh, entry_dir if existing else None, progress)
        ours = _swap_in(fresh, entry_dir, versions, replace=existing)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    if not ours and not _usable(entry_dir, manifest):
        raise IntegrityError(f"cache entry {entry_dir} changed while it was written; delete it")
    return entry_dir


def _swap_in(fresh: Path, entry_dir: Path, versions: Path, *, replace: bool) -> bool:
    """Rename the new entry into place; False if another process put one there first.

    Only a damaged entry found at the start (``replace``) is moved aside: an entry another
    process completed meanwhile is left alone, as something may be loading from it.
    """
    if replace and os.path.lexists(entry_dir):
        stale = versions / f".stale-{secrets.token_hex(8)}"
        os.rename(entry_dir, stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.rename(fresh, entry_dir)
    except OSError:
        # Another process put an entry there first; the caller checks it.
        if not os.path.lexists(entry_dir):
            raise
        return False
    return True


def fetch_to(
    transport: Transport, manifest: Manifest, dest: Path, progress: Progress | None = None
) -> Path:
    """The version's files in ``dest``, which must not exist or be an empty directory.

    The files are written into a new sibling directory first and renamed to ``dest`` once
    all of them verified, so ``dest`` never holds a partial download, and nothing is written
    through a symlink.
    """
    if os.path.lexists(dest):
        if dest.is_symlink() or not dest.is_dir():
            raise InvalidArgument(f"{dest} exists and is not a directory")
        if any(dest.iterdir()):
            raise InvalidArgument(f"{dest} is not empty; download into a new or empty directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fresh = _fresh_dir(dest.parent, f".{dest.name}.part-", 0o777)
    try:
        _materialise(transport, manifest, fresh, None, progress)
        os.rename(fresh, dest)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return dest
