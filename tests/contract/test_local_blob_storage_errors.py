"""LocalBlobStore.put on a full or read-only filesystem: a mapped error, no temp file left.

Real filesystems: a 1 MiB tmpfs for ENOSPC and a read-only tmpfs for EROFS, mounted when the
tests run as root; without root the read-only case uses permissions and ENOSPC is skipped.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.adapters.blobs.local import LocalBlobStore
from modelyard.errors import InsufficientStorage, Unavailable


def _mount(where: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return done.returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", str(where)], capture_output=True, check=False, timeout=30)


@pytest.fixture
def full_store(tmp_path: Path) -> Iterator[LocalBlobStore]:
    where = tmp_path / "tiny"
    if not _mount(where, "size=1m"):
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield LocalBlobStore(where)
    finally:
        _umount(where)


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[LocalBlobStore]:
    where = tmp_path / "ro"
    store = LocalBlobStore(where)  # made writable, then frozen
    if os.geteuid() == 0:
        subprocess.run(
            ["mount", "--bind", "-o", "ro", str(where), str(where)], check=True, timeout=30
        )
        subprocess.run(["mount", "-o", "remount,bind,ro", str(where)], check=True, timeout=30)
        try:
            yield store
        finally:
            _umount(where)
        return
    store.tmp.chmod(0o500)
    try:
        yield store
    finally:
        store.tmp.chmod(0o700)


def test_put_on_full_disk_raises_insufficient_storage_and_leaves_no_temp_file(
    full_store: LocalBlobStore,
) -> None:
    with pytest.raises(InsufficientStorage) as err:
        full_store.put(io.BytesIO(os.urandom(2 * 1024 * 1024)))
    assert (err.value.code, err.value.http_status) == ("INSUFFICIENT_STORAGE", 507)
    assert list(full_store.tmp.iterdir()) == []
    assert list(full_store.blobs.iterdir()) == []


def test_put_on_read_only_store_raises_unavailable(read_only_store: LocalBlobStore) -> None:
    with pytest.raises(Unavailable) as err:
        read_only_store.put(io.BytesIO(b"weights"))
    assert err.value.http_status == 503
    assert list(read_only_store.tmp.iterdir()) == []
