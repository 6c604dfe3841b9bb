"""modelyard.flavors: round trips per flavor and what save_model writes."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from skl2onnx import to_onnx
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from modelyard.errors import InvalidArgument, UnsafeArtifact
from modelyard.flavors import load_model, read_descriptor, save_model
from tests.unit.flavors.support import (
    CustomEstimator,
    Doubler,
)

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
