"""The SDK against a server that lies: nothing it says may place, load or trust a file.

A transport in front of the real app rewrites version responses the way a compromised
server or a man in the middle on plain http:// could.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import modelyard
from modelyard.domain.digests import Manifest
from modelyard.domain.entities import NewVersion
from tests.sdk.support import manifest_of
from tests.sdk.wire_harness import Forward, Harness, files_outside, open_harness

FILES = {"model.bin": b"weights", "conf/params.json": b"{}"}
Rewrite = Callable[[dict[str, Any]], None]


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    yield from open_harness(tmp_path)


def tamper_versions(harness: Harness, rewrite: Rewrite) -> None:
    """Rewrite every version the server returns for a GET."""

    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        response = forward(request)
        if request.method != "GET" or "/versions/" not in request.url.path:
            return response
        body = response.json()
        rewrite(body)
        return httpx.Response(response.status_code, json=body)

    harness.wire.handler = handler


def set_digest(value: str) -> Rewrite:
    def rewrite(body: dict[str, Any]) -> None:
        body["manifest_digest"] = value

    return rewrite


def published(harness: Harness) -> Manifest:
    manifest = manifest_of(harness.client, FILES)
    harness.client.create_version("Fraud", NewVersion(manifest=manifest))
    return manifest


@pytest.mark.parametrize(
    "digest",
    ["../../x", "/tmp/modelyard-evil", hashlib.sha256(b"another manifest").hexdigest()],
    ids=["dot-dot", "absolute", "other-manifest"],
)
def test_download_with_forged_manifest_digest_is_refused(harness: Harness, digest: str) -> None:
    published(harness)
    before = files_outside(harness.home)
    tamper_versions(harness, set_digest(digest))

    with pytest.raises(modelyard.IntegrityError):
        harness.client.download("models:/Fraud/1")

    assert files_outside(harness.home) == before
    assert not Path("/tmp/modelyard-evil").exists()


def test_load_model_with_forged_manifest_digest_reads_nothing(harness: Harness) -> None:
    published(harness)
    tamper_versions(harness, set_digest("../../x"))
    opened_before = len(harness.wire.seen)

    with pytest.raises(modelyard.IntegrityError):
        harness.client.load_model("models:/Fraud/1")

    blob_gets = [r for r in harness.wire.seen[opened_before:] if "/blobs/" in r.url.path]
    assert blob_gets == []


@pytest.mark.parametrize("path", ["../evil", "/etc/evil", "a/../../evil", "a\\..\\evil"])
def test_download_with_hostile_manifest_path_is_refused(harness: Harness, path: str) -> None:
    published(harness)
    before = files_outside(harness.home)

    def rewrite(body: dict[str, Any]) -> None:
        # A consistent lie: the digest is recomputed over the hostile file list.
        body["files"][0]["path"] = path
        canonical = json.dumps(
            sorted(body["files"], key=lambda f: f["path"]), sort_keys=True, separators=(",", ":")
        )
        body["manifest_digest"] = hashlib.sha256(canonical.encode()).hexdigest()

    tamper_versions(harness, rewrite)

    with pytest.raises(modelyard.ModelyardError) as err:
        harness.client.download("models:/Fraud/1")

    assert "malformed response" in err.value.message
    assert files_outside(harness.home) == before


def test_download_with_wrong_blob_bytes_is_refused(harness: Harness) -> None:
    published(harness)

    def handler(request: httpx.Request, forward: Forward) -> httpx.Response:
        response = forward(request)
        if "/blobs/sha256:" in request.url.path and request.method == "GET":
            return httpx.Response(200, content=b"X" * len(response.content))
        return response

    harness.wire.handler = handler

    with pytest.raises(modelyard.IntegrityError):
        harness.client.download("models:/Fraud/1")

    assert not (harness.home / "cache" / "versions" / Manifest.build([]).digest).exists()
    assert [p.name for p in (harness.home / "cache" / "versions").iterdir()] == []


def cache_entry(harness: Harness, manifest: Manifest) -> Path:
    return harness.home / "cache" / "versions" / manifest.digest


def test_download_refuses_cache_entry_with_planted_file(harness: Harness) -> None:
    manifest = published(harness)
    root = harness.client.download("models:/Fraud/1")
    (root / "conf" / "usercustomize.py").write_text("import os")

    with pytest.raises(modelyard.IntegrityError) as err:
        harness.client.download("models:/Fraud/1")

    assert "usercustomize.py" in err.value.message
    assert root == cache_entry(harness, manifest)


def test_download_refuses_cache_entry_with_symlink(harness: Harness, tmp_path: Path) -> None:
    published(harness)
    root = harness.client.download("models:/Fraud/1")
    outside = tmp_path / "outside"
    outside.mkdir()
    for child in (root / "conf").iterdir():
        child.unlink()
    (root / "conf").rmdir()
    (root / "conf").symlink_to(outside)

    with pytest.raises(modelyard.IntegrityError) as err:
        harness.client.download("models:/Fraud/1")

    assert "symlink" in err.value.message
    assert list(outside.iterdir()) == []


def test_load_model_refuses_cache_entry_with_planted_file(harness: Harness) -> None:
    model = {"modelyard-model.json": b"{}", "model.bin": b"weights"}
    harness.client.create_version("Fraud", NewVersion(manifest=manifest_of(harness.client, model)))
    root = harness.client.download("models:/Fraud/1")
    (root / "model.pkl").write_bytes(b"planted pickle")

    with pytest.raises(modelyard.IntegrityError):
        harness.client.load_model("models:/Fraud/1", allow_pickle=True)


def test_download_cache_directories_are_private(harness: Harness) -> None:
    published(harness)

    root = harness.client.download("models:/Fraud/1")

    for directory in (root.parent.parent, root.parent, root):
        assert os.stat(directory).st_mode & 0o077 == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_download_refuses_cache_owned_by_another_user(harness: Harness) -> None:
    published(harness)
    cache = harness.home / "cache"
    cache.mkdir(mode=0o700)
    os.chown(cache, 4242, -1)

    with pytest.raises(modelyard.PermissionDenied):
        harness.client.download("models:/Fraud/1")

    assert list(cache.iterdir()) == []


def test_download_to_non_empty_dest_is_refused(harness: Harness, tmp_path: Path) -> None:
    published(harness)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")

    with pytest.raises(modelyard.InvalidArgument):
        harness.client.download("models:/Fraud/1", dest)

    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


def test_download_to_symlinked_dest_is_refused(harness: Harness, tmp_path: Path) -> None:
    published(harness)
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "out").symlink_to(target)

    with pytest.raises(modelyard.InvalidArgument):
        harness.client.download("models:/Fraud/1", tmp_path / "out")

    assert list(target.iterdir()) == []


def test_download_to_empty_dest_fills_it(harness: Harness, tmp_path: Path) -> None:
    published(harness)
    dest = tmp_path / "out"
    dest.mkdir()

    harness.client.download("models:/Fraud/1", dest)

    assert (dest / "conf" / "params.json").read_bytes() == b"{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "store"]
