"""modelyard.flavors: round trips per flavor, and hostile artifacts that must be refused."""

from __future__ import annotations

import io
import json
import operator
import os
import pickle
import re
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import skops.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from onnx import TensorProto, helper
from skl2onnx import to_onnx
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectFdr
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from modelyard.errors import InvalidArgument, NotFound, UnsafeArtifact
from modelyard.flavors import DESCRIPTOR, load_model, read_descriptor, save_model

# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(
        n_samples=100, n_features=4, n_informative=2, n_redundant=0, random_state=42
    )
    return X, y


@pytest.fixture(scope="module")
def forest(data: tuple[np.ndarray, np.ndarray]) -> RandomForestClassifier:
    X, y = data
    return RandomForestClassifier(random_state=42).fit(X, y)


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    directory.mkdir()
    return directory


class Doubler:
    """A plain Python model for the python_function flavor."""

    def predict(self, X: Any) -> Any:
        return np.asarray(X) * 2


class CustomEstimator(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A user-defined estimator: skops cannot know it is safe."""

    def fit(self, X: Any, y: Any) -> CustomEstimator:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> Any:
        return np.zeros(len(X), dtype=int)


def write_model_dir(
    directory: Path,
    *,
    flavor: str,
    model_file: str,
    payload: bytes | None,
    fmt: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """Hand-write a model directory the way an attacker would, bypassing save_model."""
    if payload is not None:
        (directory / model_file).write_bytes(payload)
    document: dict[str, Any] = {
        "format_version": 1,
        "flavor": flavor,
        "files": [model_file, DESCRIPTOR],
        "metadata": {"format": fmt, "model_file": model_file},
        "requirements": [],
        "signature": None,
        "python_version": "3.11.7",
    }
    document.update(extra or {})
    (directory / DESCRIPTOR).write_text(json.dumps(document))


def write_descriptor_text(directory: Path, text: str | bytes) -> None:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    (directory / DESCRIPTOR).write_bytes(raw)


def marker_payload_code(marker: Path) -> str:
    return f"import pathlib; pathlib.Path({str(marker)!r}).write_text('pwned')"


def skops_exec_payload(code: str) -> bytes:
    """A skops file whose loading would call ``builtins.exec(code)``."""
    argument = {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(code),
        "is_json": True,
    }
    schema = {
        "__class__": "exec",
        "__module__": "builtins",
        "__loader__": "ConstructorFromReduceNode",
        "content": {
            "__class__": "tuple",
            "__module__": "builtins",
            "__loader__": "TupleNode",
            "content": [argument],
        },
        "protocol": 2,
        "_skops_version": skops.__version__,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return buffer.getvalue()


class PickleExec:
    """Unpickling this runs ``exec(code)``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (self.code,))


# --- round trips ----------------------------------------------------------------------------


def test_load_skops_random_forest_predicts_same(
    model_dir: Path, forest: RandomForestClassifier, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, _ = data
    save_model(forest, model_dir)

    loaded = load_model(model_dir)

    assert_array_equal(loaded.predict(X), forest.predict(X))


def test_load_skops_pipeline_predicts_same(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, y = data
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(X, y)
    save_model(pipeline, model_dir)

    loaded = load_model(model_dir)

    assert_array_equal(loaded.predict(X), pipeline.predict(X))


def test_load_model_exposes_flavor_and_raw(model_dir: Path, forest: RandomForestClassifier) -> None:
    save_model(forest, model_dir)

    loaded = load_model(model_dir)

    assert loaded.flavor == "sklearn"
    assert isinstance(loaded.raw, RandomForestClassifier)


def test_load_cloudpickle_sklearn_without_allow_pickle_raises_unsafe(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    save_model(forest, model_dir, serialization="cloudpickle")

    with pytest.raises(UnsafeArtifact):
        load_model(model_dir)


def test_load_cloudpickle_sklearn_with_allow_pickle_predicts_same(
    model_dir: Path, forest: RandomForestClassifier, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, _ = data
    save_model(forest, model_dir, serialization="cloudpickle")

    loaded = load_model(model_dir, allow_pickle=True)

    assert_array_equal(loaded.predict(X), forest.predict(X))


def test_load_python_function_without_allow_pickle_raises_unsafe(model_dir: Path) -> None:
    save_model(Doubler(), model_dir)

    with pytest.raises(UnsafeArtifact):
        load_model(model_dir)


def test_load_python_function_object_with_allow_pickle_predicts_same(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, _ = data
    save_model(Doubler(), model_dir)

    loaded = load_model(model_dir, allow_pickle=True)

    assert loaded.flavor == "python_function"
    assert_array_equal(loaded.predict(X), X * 2)


def test_load_python_function_lambda_with_allow_pickle_predicts_same(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, _ = data
    save_model(lambda rows: np.asarray(rows).sum(axis=1), model_dir)

    loaded = load_model(model_dir, allow_pickle=True)

    assert_array_equal(loaded.predict(X), X.sum(axis=1))


def test_load_onnx_predicts_same_as_sklearn(
    model_dir: Path, forest: RandomForestClassifier, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, _ = data
    converted = to_onnx(forest, X[:1].astype(np.float32), options={"zipmap": False})
    save_model(converted, model_dir)

    loaded = load_model(model_dir)

    assert loaded.flavor == "onnx"
    assert_array_equal(loaded.predict(X), forest.predict(X))


# --- save_model -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_model", "expected"),
    [
        (lambda forest, X: forest, "sklearn"),
        (lambda forest, X: to_onnx(forest, X[:1].astype(np.float32)), "onnx"),
        (lambda forest, X: Doubler(), "python_function"),
        (lambda forest, X: lambda rows: rows, "python_function"),
    ],
    ids=["estimator", "onnx", "predict-object", "callable"],
)
def test_save_model_detects_flavor(
    model_dir: Path,
    forest: RandomForestClassifier,
    data: tuple[np.ndarray, np.ndarray],
    make_model: Any,
    expected: str,
) -> None:
    saved = save_model(make_model(forest, data[0]), model_dir)

    assert saved.flavor == expected


def test_save_model_records_installed_framework_versions(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    saved = save_model(forest, model_dir)

    assert f"scikit-learn=={version('scikit-learn')}" in saved.requirements
    assert f"numpy=={version('numpy')}" in saved.requirements
    assert f"skops=={version('skops')}" in saved.requirements


def test_save_model_records_signature_from_input_example(
    model_dir: Path, forest: RandomForestClassifier, data: tuple[np.ndarray, np.ndarray]
) -> None:
    X, _ = data
    saved = save_model(forest, model_dir, input_example=X[:5])

    assert saved.signature == {
        "inputs": [{"type": "float64", "shape": [-1, 4]}],
        "outputs": [{"type": "int64", "shape": [-1]}],
    }


def test_save_model_without_input_example_records_no_signature(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    saved = save_model(forest, model_dir)

    assert saved.signature is None


def test_save_model_writes_descriptor_that_reads_back_equal(
    model_dir: Path, forest: RandomForestClassifier, data: tuple[np.ndarray, np.ndarray]
) -> None:
    saved = save_model(forest, model_dir, input_example=data[0][:3])

    assert read_descriptor(model_dir) == saved
    assert sorted(p.name for p in model_dir.iterdir()) == sorted(saved.files)


def test_save_model_with_example_it_cannot_predict_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    with pytest.raises(InvalidArgument, match="cannot predict"):
        save_model(forest, model_dir, input_example=np.zeros((2, 3)))

    assert list(model_dir.iterdir()) == []


def test_save_model_with_unknown_flavor_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    with pytest.raises(InvalidArgument, match="unknown flavor"):
        save_model(forest, model_dir, flavor="tensorflow")


def test_save_model_with_flavor_not_matching_model_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    with pytest.raises(InvalidArgument):
        save_model(forest, model_dir, flavor="onnx")


def test_save_model_with_unsupported_model_raises_invalid_argument(model_dir: Path) -> None:
    with pytest.raises(InvalidArgument, match="cannot save"):
        save_model(object(), model_dir)


@pytest.mark.parametrize(
    ("flavor", "serialization"),
    [("sklearn", "pickle"), ("sklearn", "onnx"), ("python_function", "skops")],
)
def test_save_model_with_unavailable_serialization_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier, flavor: str, serialization: str
) -> None:
    model = forest if flavor == "sklearn" else Doubler()

    with pytest.raises(InvalidArgument, match="serialization"):
        save_model(model, model_dir, flavor=flavor, serialization=serialization)


def test_save_model_into_non_empty_directory_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    (model_dir / "other.txt").write_text("x")

    with pytest.raises(InvalidArgument, match="not empty"):
        save_model(forest, model_dir)


def test_save_model_skops_with_untrusted_class_raises_invalid_argument(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    model = CustomEstimator().fit(*data)

    with pytest.raises(InvalidArgument, match="cloudpickle"):
        save_model(model, model_dir)

    assert list(model_dir.iterdir()) == []


# --- hostile skops files --------------------------------------------------------------------


def test_load_skops_exec_payload_raises_unsafe_without_running_it(
    model_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    payload = skops_exec_payload(marker_payload_code(marker))
    write_model_dir(model_dir, flavor="sklearn", model_file="m.skops", payload=payload, fmt="skops")

    with pytest.raises(UnsafeArtifact, match=re.escape("builtins.exec")):
        load_model(model_dir)

    assert not marker.exists()


def test_skops_exec_payload_runs_when_trusted_wholesale(tmp_path: Path) -> None:
    # Control for the test above: the payload is live, so refusing it is what protects us.
    marker = tmp_path / "marker"

    skops.io.loads(skops_exec_payload(marker_payload_code(marker)), trusted=["builtins.exec"])

    assert marker.exists()


@pytest.mark.parametrize(
    ("make_object", "offending"),
    [
        (lambda: FunctionTransformer(func=os.system), f"{os.system.__module__}.system"),
        (lambda: FunctionTransformer(func=eval), "builtins.eval"),
        (lambda: FunctionTransformer(func=operator.attrgetter("x")), "operator.attrgetter"),
        (lambda: CustomEstimator(), "CustomEstimator"),
        (lambda: SelectFdr(), "sklearn.feature_selection._univariate_selection.f_classif"),
        (lambda: {"kind": np.memmap}, "numpy.memmap"),
    ],
    ids=["os-system", "eval", "attrgetter", "user-class", "sklearn-function", "numpy-memmap"],
)
def test_load_skops_with_untrusted_type_raises_unsafe(
    model_dir: Path, make_object: Any, offending: str
) -> None:
    payload = skops.io.dumps(make_object())
    write_model_dir(model_dir, flavor="sklearn", model_file="m.skops", payload=payload, fmt="skops")

    with pytest.raises(UnsafeArtifact, match=re.escape(offending)):
        load_model(model_dir)


def test_load_skops_with_out_of_range_tree_node_raises_unsafe(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(*data)
    tree = forest.estimators_[0].tree_
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    nodes["left_child"][0] = 10**6
    tree.__setstate__({**state, "nodes": nodes})
    payload = skops.io.dumps(forest)
    write_model_dir(model_dir, flavor="sklearn", model_file="m.skops", payload=payload, fmt="skops")

    with pytest.raises(UnsafeArtifact, match="out of range"):
        load_model(model_dir)


def test_load_skops_with_zip_bomb_header_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    payload = bytearray(skops.io.dumps(forest))
    central = payload.rfind(b"PK\x01\x02")
    payload[central + 24 : central + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    write_model_dir(
        model_dir, flavor="sklearn", model_file="m.skops", payload=bytes(payload), fmt="skops"
    )

    with pytest.raises(InvalidArgument, match="expands"):
        load_model(model_dir)


def test_load_skops_with_garbage_bytes_raises_invalid_argument(model_dir: Path) -> None:
    write_model_dir(model_dir, flavor="sklearn", model_file="m.skops", payload=b"junk", fmt="skops")

    with pytest.raises(InvalidArgument):
        load_model(model_dir)


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
