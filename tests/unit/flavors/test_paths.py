"""modelyard.flavors.paths: file names in a model directory follow the one artifact grammar."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.digests import artifact_path
from modelyard.errors import InvalidArgument
from modelyard.flavors import load_model
from modelyard.flavors.paths import MAX_PART_LENGTH, check_relative_name
from tests.corpus import BAD_PATHS
from tests.unit.flavors.support import write_skops_dir


@pytest.mark.parametrize("name", BAD_PATHS)
def test_check_relative_name_with_corpus_path_raises_invalid_argument(name: str) -> None:
    with pytest.raises(InvalidArgument, match="model_file"):
        check_relative_name(name, field="model_file")


@pytest.mark.parametrize("name", ["a?b", "x#y", "a;b", "50%", " a", "Cafe\u0301", "a*b"])
def test_load_model_with_name_outside_artifact_grammar_raises_invalid_argument(
    model_dir: Path, name: str
) -> None:
    # The flavor grammar used to accept these, so a descriptor could name a file that no
    # manifest can hold.
    write_skops_dir(model_dir, b"")
    descriptor = (model_dir / "modelyard-model.json").read_text()
    (model_dir / "modelyard-model.json").write_text(descriptor.replace("m.skops", name))

    with pytest.raises(InvalidArgument):
        load_model(model_dir)


def test_check_relative_name_with_overlong_part_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match=str(MAX_PART_LENGTH)):
        check_relative_name("d/" + "x" * (MAX_PART_LENGTH + 1), field="model_file")


@given(st.text(alphabet=st.sampled_from(list("ab./\\:%#?; \x00\u0301")) | st.characters()))
def test_check_relative_name_accepts_exactly_artifact_paths_with_short_parts(name: str) -> None:
    try:
        expected = all(len(p) <= MAX_PART_LENGTH for p in artifact_path(name).split("/"))
    except InvalidArgument:
        expected = False

    try:
        accepted = check_relative_name(name, field="name") == name
    except InvalidArgument:
        accepted = False

    assert accepted == expected
