"""Content digests, artifact paths and version manifests."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from modelyard.errors import InvalidArgument

_HEX = re.compile(r"[0-9a-f]{64}")
MAX_PATH = 1024
MAX_DEPTH = 32
MAX_FILES = 100_000
_BAD_PATH_CHARS = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|#%;\ud800-\udfff]")


def sha256_hex(value: object) -> str:
    """Validate a digest given as ``sha256:<hex>`` or bare lowercase hex."""
    if not isinstance(value, str):
        raise InvalidArgument("digest must be a string")
    hexpart = value.removeprefix("sha256:")
    if not _HEX.fullmatch(hexpart):
        raise InvalidArgument(f"invalid digest {value[:80]!r}: expected sha256:<64 hex digits>")
    return hexpart


def artifact_path(value: object) -> str:
    """Validate a path inside a model's artifact tree.

    One grammar, checked before anything touches storage: relative POSIX, unchanged by NFKC
    normalisation (so no two spellings name one file), no empty,
    ``.`` or ``..`` components, no backslashes, drive letters, controls or URL delimiters.
    """
    if not isinstance(value, str) or not value:
        raise InvalidArgument("artifact path must be a non-empty string")
    if len(value) > MAX_PATH:
        raise InvalidArgument(f"artifact path is longer than {MAX_PATH} characters")
    if unicodedata.normalize("NFKC", value) != value or _BAD_PATH_CHARS.search(value):
        raise InvalidArgument(f"invalid artifact path {value[:80]!r}: forbidden character")
    if value.startswith("/"):
        raise InvalidArgument(f"invalid artifact path {value[:80]!r}: must be relative")
    parts = value.split("/")
    if any(p in ("", ".", "..") or p != p.strip() for p in parts):
        raise InvalidArgument(f"invalid artifact path {value[:80]!r}: empty, '.' or '..' part")
    if len(parts) > MAX_DEPTH:
        raise InvalidArgument(f"artifact path is nested deeper than {MAX_DEPTH}")
    return value


@dataclass(frozen=True, order=True)
class ManifestEntry:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """The files of a version; its digest is the SHA-256 of its canonical JSON."""

    entries: tuple[ManifestEntry, ...]

    @classmethod
    def build(cls, entries: Iterable[ManifestEntry]) -> Manifest:
        checked = [_check_entry(e) for e in entries]
        if len(checked) > MAX_FILES:
            raise InvalidArgument(f"a manifest holds at most {MAX_FILES} files")
        _check_unique(checked)
        return cls(tuple(sorted(checked)))

    def canonical(self) -> bytes:
        body = [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in self.entries]
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.entries)

    def entry(self, path: str) -> ManifestEntry:
        for e in self.entries:
            if e.path == path:
                return e
        raise InvalidArgument(f"no file {path!r} in this version")

    def blob_digests(self) -> set[str]:
        return {e.sha256 for e in self.entries}


def _check_entry(entry: ManifestEntry) -> ManifestEntry:
    path = artifact_path(entry.path)
    if isinstance(entry.size, bool) or not isinstance(entry.size, int) or entry.size < 0:
        raise InvalidArgument(f"invalid size for {path!r}")
    return ManifestEntry(path, entry.size, sha256_hex(entry.sha256))


def _check_unique(entries: list[ManifestEntry]) -> None:
    seen: set[str] = set()
    dirs: set[str] = set()
    for e in entries:
        key = e.path.casefold()
        if key in seen:
            raise InvalidArgument(f"duplicate path {e.path!r} in manifest")
        seen.add(key)
        parts = key.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    clash = seen & dirs
    if clash:
        raise InvalidArgument(f"path {sorted(clash)[0]!r} is both a file and a directory")
