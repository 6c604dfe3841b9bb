"""The wire contract's own checks: finite JSON, and versions that come from a server."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard import wire
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.errors import IntegrityError, InvalidArgument

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DIGEST = hashlib.sha256(b"weights").hexdigest()

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    scalars | finite_floats,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)
poisons = st.sampled_from([math.nan, math.inf, -math.inf])
nesting = st.lists(st.booleans(), max_size=5)


def bury(poison: float, nesting: list[bool]) -> Any:
    """``poison`` inside lists (True) and objects (False), innermost first."""
    value: Any = poison
    for in_list in nesting:
        value = [1, value] if in_list else {"k": value}
    return value


@given(json_values)
def test_finite_accepts_every_finite_json_value(value: Any) -> None:
    assert wire.finite(value) is value


@given(json_values, poisons, nesting)
def test_finite_refuses_non_finite_anywhere(value: Any, poison: float, path: list[bool]) -> None:
    with pytest.raises(ValueError):
        wire.finite({"fine": value, "bad": bury(poison, path)})


def version_out(files: list[wire.FileEntry], digest: str) -> wire.VersionOut:
    return wire.VersionOut(
        name="Fraud",
        version=1,
        stage="None",
        description="",
        tags={},
        aliases=[],
        manifest_digest=digest,
        files=files,
        run_id=None,
        flavor="unknown",
        flavor_metadata={},
        signature=None,
        requirements=[],
        python_version="",
        source="",
        created_at=NOW,
        updated_at=NOW,
        created_by="alice",
    )


FILES = [wire.FileEntry(path="model.bin", size=7, sha256=DIGEST)]
MANIFEST = Manifest.build([ManifestEntry("model.bin", 7, DIGEST)])


def test_version_to_domain_keeps_a_matching_digest() -> None:
    mv = wire.version_to_domain(version_out(FILES, MANIFEST.digest))

    assert mv.manifest_digest == MANIFEST.digest
    assert mv.manifest == MANIFEST


@pytest.mark.parametrize(
    "digest", ["../../x", "/home/u/.ssh", "", hashlib.sha256(b"other").hexdigest()]
)
def test_version_to_domain_with_other_digest_raises_integrity_error(digest: str) -> None:
    with pytest.raises(IntegrityError):
        wire.version_to_domain(version_out(FILES, digest))


@pytest.mark.parametrize("path", ["../evil", "/abs", "a/./b", "a\\b", "C:/x"])
def test_version_to_domain_with_hostile_path_raises_invalid_argument(path: str) -> None:
    files = [wire.FileEntry(path=path, size=7, sha256=DIGEST)]

    with pytest.raises(InvalidArgument):
        wire.version_to_domain(version_out(files, MANIFEST.digest))


def test_run_create_refuses_a_65_character_python_version() -> None:
    with pytest.raises(ValueError):
        wire.RunCreate(python_version="3" * 65)
