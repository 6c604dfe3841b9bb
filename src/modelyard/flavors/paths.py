"""File names inside a saved model directory: validation, containment, safe reads and writes.

Every name that comes from a descriptor is untrusted. It must be a valid artifact path (the
one grammar, ``modelyard.domain.digests.artifact_path``), it must resolve (symlinks
included) inside the model directory, and it is opened without following a final symlink,
so a swap between the check and the read cannot escape either.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from modelyard.domain.digests import artifact_path
from modelyard.errors import InvalidArgument, NotFound

# The one flavor-specific rule on top of the artifact grammar: a file system refuses longer
# path components, so a name the registry accepts could otherwise fail only when written.
MAX_PART_LENGTH = 255


def check_relative_name(name: object, *, field: str) -> str:
    """Return ``name`` if it is a valid artifact path (``domain.digests.artifact_path``) whose
    parts each fit a file system; raise InvalidArgument naming ``field`` otherwise."""
    try:
        checked = artifact_path(name)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{field}: {exc.message}") from exc
    if any(len(part) > MAX_PART_LENGTH for part in checked.split("/")):
        raise InvalidArgument(f"{field} has a part longer than {MAX_PART_LENGTH}: {checked[:80]!r}")
    return checked


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
