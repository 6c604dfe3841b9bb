"""modelyard.flavors: hostile pickles, file names, descriptors and ONNX files are refused."""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import skops.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from skl2onnx import to_onnx
from sklearn.ensemble import RandomForestClassifier

from modelyard.errors import InvalidArgument, NotFound, UnsafeArtifact
from modelyard.flavors import DESCRIPTOR, load_model, read_descriptor, save_model
from tests.unit.flavors.support import (
    PickleExec,
    marker_payload_code,
    write_descriptor_text,
    write_model_dir,
)

# --- hostile pickles ------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", ["sklearn", "python_function"])
def test_load_pickle_payload_without_allow_pickle_raises_unsafe_without_running_it(
    model_dir: Path, tmp_path: Path, flavor: str
) -> None:
    marker = tmp_path / "marker"
    payload = pickle.dumps(PickleExec(marker_payload_code(marker)))
    write_model_dir(
        model_dir, flavor=flavor, model_file="m.pkl", payload=payload, fmt="cloudpickle"
    )

    with pytest.raises(UnsafeArtifact):
        load_model(model_dir)

    assert not marker.exists()


def test_load_pickle_payload_with_allow_pickle_runs_it(model_dir: Path, tmp_path: Path) -> None:
    # Control for the test above: allow_pickle really is the only thing in the way.
    marker = tmp_path / "marker"
    payload = pickle.dumps(PickleExec(marker_payload_code(marker)))
    write_model_dir(
        model_dir, flavor="python_function", model_file="m.pkl", payload=payload, fmt="cloudpickle"
    )

    with pytest.raises(InvalidArgument, match="predict"):
        load_model(model_dir, allow_pickle=True)

    assert marker.exists()


# --- hostile file names and descriptors -----------------------------------------------------

UNSAFE_NAMES = [
    "../x",
    "../../etc/passwd",
    "a/../../b",
    "a/./../../b",
    "/etc/passwd",
    "a\\b",
    "\\..\\..\\x",
    "\\\\host\\share\\x",
    "C:/Windows/win.ini",
    "C:\\x",
    "",
    ".",
    "..",
    "a//b",
    "a/",
    "x\x00y",
    "x\ny",
    "x\x1b[31m",
    "a" * 5000,
]


@pytest.mark.parametrize("name", UNSAFE_NAMES)
def test_load_model_with_unsafe_model_file_raises_invalid_argument(
    model_dir: Path, name: str
) -> None:
    write_model_dir(model_dir, flavor="sklearn", model_file=name, payload=None, fmt="skops")

    with pytest.raises(InvalidArgument):
        load_model(model_dir)


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a\\b"])
def test_load_pickle_with_unsafe_model_file_raises_invalid_argument_even_without_allow_pickle(
    model_dir: Path, name: str
) -> None:
    write_model_dir(
        model_dir, flavor="python_function", model_file=name, payload=None, fmt="cloudpickle"
    )

    with pytest.raises(InvalidArgument):
        load_model(model_dir)


def test_load_model_with_model_file_symlink_outside_raises_invalid_argument(
    model_dir: Path, tmp_path: Path, forest: RandomForestClassifier
) -> None:
    outside = tmp_path / "outside.skops"
    outside.write_bytes(skops.io.dumps(forest))
    (model_dir / "m.skops").symlink_to(outside)
    write_model_dir(model_dir, flavor="sklearn", model_file="m.skops", payload=None, fmt="skops")

    with pytest.raises(InvalidArgument, match="outside"):
        load_model(model_dir)


def test_read_descriptor_symlinked_outside_raises_invalid_argument(
    model_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_model_dir(outside, flavor="sklearn", model_file="m.skops", payload=b"", fmt="skops")
    (model_dir / DESCRIPTOR).symlink_to(outside / DESCRIPTOR)

    with pytest.raises(InvalidArgument, match="outside"):
        read_descriptor(model_dir)


def test_load_model_with_fifo_model_file_raises_invalid_argument(model_dir: Path) -> None:
    os.mkfifo(model_dir / "m.skops")
    write_model_dir(model_dir, flavor="sklearn", model_file="m.skops", payload=None, fmt="skops")

    with pytest.raises(InvalidArgument, match="regular file"):
        load_model(model_dir)


def test_load_model_with_model_file_not_listed_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    (model_dir / "other.skops").write_bytes(skops.io.dumps(forest))
    write_model_dir(model_dir, flavor="sklearn", model_file="m.skops", payload=b"", fmt="skops")
    descriptor = json.loads((model_dir / DESCRIPTOR).read_text())
    descriptor["metadata"]["model_file"] = "other.skops"
    write_descriptor_text(model_dir, json.dumps(descriptor))

    with pytest.raises(InvalidArgument, match="not one of"):
        load_model(model_dir)


def test_load_model_ignores_loader_keys_and_never_imports_them(
    model_dir: Path,
    tmp_path: Path,
    forest: RandomForestClassifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = tmp_path / "marker"
    module_dir = tmp_path / "modules"
    module_dir.mkdir()
    (module_dir / "evil_loader_xyz.py").write_text(marker_payload_code(marker) + "\n")
    monkeypatch.syspath_prepend(str(module_dir))
    write_model_dir(
        model_dir,
        flavor="sklearn",
        model_file="m.skops",
        payload=skops.io.dumps(forest),
        fmt="skops",
        extra={"loader": "evil_loader_xyz", "loader_module": "evil_loader_xyz"},
    )

    loaded = load_model(model_dir)

    assert loaded.flavor == "sklearn"
    assert "evil_loader_xyz" not in sys.modules
    assert not marker.exists()


@pytest.mark.parametrize("flavor", ["evil_loader_xyz", "os.system", "", "SKLEARN", None, 1])
def test_read_descriptor_with_unknown_flavor_raises_invalid_argument(
    model_dir: Path, flavor: Any
) -> None:
    write_model_dir(model_dir, flavor=flavor, model_file="m.skops", payload=b"", fmt="skops")

    with pytest.raises(InvalidArgument, match="flavor"):
        read_descriptor(model_dir)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '"sklearn"',
        "null",
        b"\xff\xfe{}",
        '{"flavor": "sklearn", "flavor": "onnx"}',
        "[" * 100_000 + "]" * 100_000,
        "NaN",
    ],
    ids=["empty", "truncated", "array", "string", "null", "bad-utf8", "dup-key", "deep", "nan"],
)
def test_read_descriptor_with_malformed_json_raises_invalid_argument(
    model_dir: Path, text: str | bytes
) -> None:
    write_descriptor_text(model_dir, text)

    with pytest.raises(InvalidArgument):
        read_descriptor(model_dir)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("files", "m.skops"),
        ("files", ["m.skops"]),
        ("files", ["m.skops", "m.skops", DESCRIPTOR]),
        ("metadata", ["format"]),
        ("requirements", [1]),
        ("signature", {"inputs": "x"}),
        ("python_version", 3.11),
        ("format_version", 99),
    ],
)
def test_read_descriptor_with_wrong_field_raises_invalid_argument(
    model_dir: Path, field: str, value: Any
) -> None:
    write_model_dir(
        model_dir,
        flavor="sklearn",
        model_file="m.skops",
        payload=b"",
        fmt="skops",
        extra={field: value},
    )

    with pytest.raises(InvalidArgument):
        read_descriptor(model_dir)


def test_read_descriptor_missing_raises_not_found(model_dir: Path) -> None:
    with pytest.raises(NotFound):
        read_descriptor(model_dir)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(
    name=st.text(alphabet=st.sampled_from(list("ab./\\:%\x00\n ")) | st.characters(), max_size=24)
)
def test_read_descriptor_accepts_only_names_inside_directory(model_dir: Path, name: str) -> None:
    write_model_dir(model_dir, flavor="sklearn", model_file=name, payload=None, fmt="skops")

    try:
        saved = read_descriptor(model_dir)
    except InvalidArgument:
        return
    root = model_dir.resolve()
    for listed in saved.files:
        assert (root / listed).resolve().is_relative_to(root)
        assert ".." not in listed.split("/")
        assert "\\" not in listed


# --- hostile ONNX files ---------------------------------------------------------------------


def test_load_onnx_with_external_data_raises_invalid_argument(model_dir: Path) -> None:
    weight = helper.make_tensor("w", TensorProto.FLOAT, [1], [1.0])
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    entry = weight.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 1])],
        initializer=[weight],
    )
    payload = helper.make_model(graph).SerializeToString()
    write_model_dir(model_dir, flavor="onnx", model_file="m.onnx", payload=payload, fmt="onnx")

    with pytest.raises(InvalidArgument, match="external data"):
        load_model(model_dir)


def test_load_onnx_with_garbage_bytes_raises_invalid_argument(model_dir: Path) -> None:
    write_model_dir(model_dir, flavor="onnx", model_file="m.onnx", payload=b"\x00junk", fmt="onnx")

    with pytest.raises(InvalidArgument):
        load_model(model_dir)


def test_save_onnx_model_is_a_single_file(
    model_dir: Path, forest: RandomForestClassifier, data: tuple[np.ndarray, np.ndarray]
) -> None:
    saved = save_model(to_onnx(forest, data[0][:1].astype(np.float32)), model_dir)

    assert saved.files == ("model.onnx", DESCRIPTOR)
    assert onnx.load(model_dir / "model.onnx").graph.input[0].name
