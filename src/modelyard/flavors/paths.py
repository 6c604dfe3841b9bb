"""File names inside a saved model directory: validation, containment, safe reads and writes.

Every name that comes from a descriptor is untrusted. It must be a plain relative POSIX path,
it must resolve (symlinks included) inside the model directory, and it is opened without
following a final symlink, so a swap between the check and the read cannot escape either.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from modelyard.errors import InvalidArgument, NotFound

MAX_NAME_LENGTH = 1024
MAX_PART_LENGTH = 255


def check_relative_name(name: object, *, field: str) -> str:
    """Return ``name`` if it is a plain relative POSIX path; raise InvalidArgument otherwise."""
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"{field} must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidArgument(f"{field} is longer than {MAX_NAME_LENGTH} characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        raise InvalidArgument(f"{field} is not valid Unicode (a lone surrogate): {name!r}")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        raise InvalidArgument(f"{field} contains a control character: {name!r}")
    if "\\" in name or ":" in name:
        raise InvalidArgument(f"{field} must use '/' only and no drive or stream: {name!r}")
    if name.startswith("/"):
        raise InvalidArgument(f"{field} must be relative, got {name!r}")
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise InvalidArgument(f"{field} must not contain empty, '.' or '..' parts: {name!r}")
        if len(part) > MAX_PART_LENGTH:
            raise InvalidArgument(f"{field} has a part longer than {MAX_PART_LENGTH}: {name!r}")
    return name


def contained_path(directory: Path, name: str, *, field: str) -> Path:
    """Resolve ``name`` under ``directory`` and refuse it if it lands outside (e.g. a symlink)."""
    root = directory.resolve()
    target = (root / check_relative_name(name, field=field)).resolve()
    if not target.is_relative_to(root) or target == root:
        raise InvalidArgument(f"{field} {name!r} resolves outside the model directory")
    return target


def read_contained(
    directory: Path, name: str, *, field: str, max_bytes: int | None = None
) -> bytes:
    """Read a regular file named by an untrusted ``name`` that must stay inside ``directory``."""
    target = contained_path(directory, name, field=field)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except FileNotFoundError as exc:
        raise NotFound(f"{field} {name!r} does not exist in the model directory") from exc
    except OSError as exc:
        raise InvalidArgument(f"{field} {name!r} cannot be opened: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InvalidArgument(f"{field} {name!r} is not a regular file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise InvalidArgument(f"{field} {name!r} is larger than {max_bytes} bytes")
        return handle.read()


def write_atomic(directory: Path, name: str, data: bytes) -> None:
    """Write ``data`` to ``directory/name`` through a temporary file and ``os.replace``."""
    target = directory / check_relative_name(name, field="file name")
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def require_empty_directory(directory: Path) -> Path:
    """Return the resolved ``directory`` if it exists and is empty, else raise InvalidArgument."""
    if not directory.is_dir():
        raise InvalidArgument(f"{directory} is not an existing directory")
    if any(directory.iterdir()):
        raise InvalidArgument(f"{directory} is not empty; save a model into an empty directory")
    return directory.resolve()
