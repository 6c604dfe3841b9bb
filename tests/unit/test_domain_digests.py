"""Digests, artifact paths and manifests."""

from __future__ import annotations

import contextlib
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.domain.digests import (
    MAX_PATH,
    Manifest,
    ManifestEntry,
    artifact_path,
    sha256_hex,
)
from modelyard.errors import InvalidArgument
from tests.corpus import BAD_PATHS

FUZZ = settings(database=None, deadline=None)
HEX_A = "a" * 64
HEX_B = "b" * 64
PATH_PIECES = st.sampled_from(
    ["a", "b.txt", ".", "..", "", "\\", "%2e", " ", "...", "C:", "．", "／", "\x00", "a b"]
)


def test_sha256_hex_prefixed_returns_bare_hex() -> None:
    assert sha256_hex("sha256:" + HEX_A) == HEX_A


def test_sha256_hex_bare_returns_it() -> None:
    assert sha256_hex(HEX_A) == HEX_A


@pytest.mark.parametrize(
    "value",
    ["A" * 64, "a" * 63, "a" * 65, "sha512:" + HEX_A, "sha256:", HEX_A + "\n", "", None, 5],
)
def test_sha256_hex_malformed_raises_invalid_argument(value: object) -> None:
    with pytest.raises(InvalidArgument):
        sha256_hex(value)


@pytest.mark.parametrize(
    "path", ["model.skops", "data/weights.bin", "a b/c", "MLmodel", "x" * MAX_PATH, "a..b"]
)
def test_artifact_path_valid_returns_it(path: str) -> None:
    assert artifact_path(path) == path


@pytest.mark.parametrize("path", BAD_PATHS)
def test_artifact_path_hostile_raises_invalid_argument(path: str) -> None:
    with pytest.raises(InvalidArgument):
        artifact_path(path)


@pytest.mark.parametrize("path", ["．．／", "．．/x", "\u2024\u2024/x"])
def test_artifact_path_fullwidth_traversal_raises_invalid_argument(path: str) -> None:
    with pytest.raises(InvalidArgument):
        artifact_path(path)


def test_artifact_path_non_string_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        artifact_path(b"model.skops")


def _assert_contained(path: str) -> None:
    parts = path.split("/")
    assert not path.startswith("/")
    assert "\\" not in path
    assert not {"", ".", ".."} & set(parts)


@FUZZ
@given(st.text())
def test_artifact_path_never_accepts_escaping_text(text: str) -> None:
    with contextlib.suppress(InvalidArgument):
        _assert_contained(artifact_path(text))


@FUZZ
@given(st.lists(PATH_PIECES, min_size=1, max_size=6), st.sampled_from(["/", "\\", ""]))
def test_artifact_path_never_accepts_escaping_components(pieces: list[str], sep: str) -> None:
    with contextlib.suppress(InvalidArgument):
        _assert_contained(artifact_path(sep.join(pieces)))


def test_manifest_build_sorts_entries_by_path() -> None:
    m = Manifest.build([ManifestEntry("b", 1, HEX_B), ManifestEntry("a", 2, HEX_A)])
    assert [e.path for e in m.entries] == ["a", "b"]


def test_manifest_digest_ignores_input_order() -> None:
    one = Manifest.build([ManifestEntry("a", 2, HEX_A), ManifestEntry("b", 1, HEX_B)])
    two = Manifest.build([ManifestEntry("b", 1, HEX_B), ManifestEntry("a", 2, HEX_A)])
    assert one.digest == two.digest


def test_manifest_digest_is_sha256_of_canonical_json() -> None:
    m = Manifest.build([ManifestEntry("a", 2, "sha256:" + HEX_A)])
    body = [{"path": "a", "sha256": HEX_A, "size": 2}]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    assert m.digest == hashlib.sha256(canonical).hexdigest()


def test_manifest_build_strips_digest_prefix() -> None:
    m = Manifest.build([ManifestEntry("a", 2, "sha256:" + HEX_A)])
    assert m.entries[0].sha256 == HEX_A


def test_manifest_total_size_sums_entries() -> None:
    m = Manifest.build([ManifestEntry("a", 2, HEX_A), ManifestEntry("b", 5, HEX_B)])
    assert m.total_size == 7


def test_manifest_blob_digests_deduplicates_identical_files() -> None:
    m = Manifest.build([ManifestEntry("a", 2, HEX_A), ManifestEntry("b", 2, HEX_A)])
    assert m.blob_digests() == {HEX_A}


def test_manifest_entry_returns_file() -> None:
    m = Manifest.build([ManifestEntry("a", 2, HEX_A)])
    assert m.entry("a").size == 2


def test_manifest_entry_unknown_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        Manifest.build([ManifestEntry("a", 2, HEX_A)]).entry("b")


@pytest.mark.parametrize(
    "entries",
    [
        [ManifestEntry("a", 1, HEX_A), ManifestEntry("a", 1, HEX_B)],
        [ManifestEntry("Model.bin", 1, HEX_A), ManifestEntry("model.bin", 1, HEX_B)],
        [ManifestEntry("a", 1, HEX_A), ManifestEntry("a/b", 1, HEX_B)],
        [ManifestEntry("A", 1, HEX_A), ManifestEntry("a/b", 1, HEX_B)],
        [ManifestEntry("../x", 1, HEX_A)],
        [ManifestEntry("a", -1, HEX_A)],
        [ManifestEntry("a", True, HEX_A)],
        [ManifestEntry("a", 1.0, HEX_A)],  # type: ignore[arg-type]
        [ManifestEntry("a", 1, "md5:abc")],
    ],
)
def test_manifest_build_inconsistent_entries_raise_invalid_argument(
    entries: list[ManifestEntry],
) -> None:
    with pytest.raises(InvalidArgument):
        Manifest.build(entries)


def test_manifest_build_empty_is_allowed() -> None:
    assert Manifest.build([]).entries == ()
