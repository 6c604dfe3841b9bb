"""modelyard.flavors: which types a skops file may hold, decided by name before loading."""

from __future__ import annotations

import json
import operator
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io
from numpy.testing import assert_array_equal
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectFdr
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._mocking import CheckingClassifier

from modelyard.errors import InvalidArgument, UnsafeArtifact
from modelyard.flavors import load_model, save_model
from modelyard.flavors.allowlist import missing_entries
from tests.unit.flavors.support import (
    CustomEstimator,
    marker_payload_code,
    skops_archive,
    skops_exec_payload,
    write_skops_dir,
)

SRC = Path(__file__).resolve().parents[3] / "src"

# --- hostile skops files --------------------------------------------------------------------


def test_load_skops_exec_payload_raises_unsafe_without_running_it(
    model_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    payload = skops_exec_payload(marker_payload_code(marker))
    write_skops_dir(model_dir, payload)

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
    write_skops_dir(model_dir, payload)

    with pytest.raises(UnsafeArtifact, match=re.escape(offending)):
        load_model(model_dir)


def test_load_skops_with_zip_bomb_header_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier
) -> None:
    payload = bytearray(skops.io.dumps(forest))
    central = payload.rfind(b"PK\x01\x02")
    payload[central + 24 : central + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    write_skops_dir(model_dir, bytes(payload))

    with pytest.raises(InvalidArgument, match="expands"):
        load_model(model_dir)


def test_load_skops_with_garbage_bytes_raises_invalid_argument(model_dir: Path) -> None:
    write_skops_dir(model_dir, b"junk")

    with pytest.raises(InvalidArgument):
        load_model(model_dir)


def test_load_skops_with_unlisted_sklearn_class_raises_unsafe(model_dir: Path) -> None:
    # skops itself trusts every scikit-learn estimator; modelyard's list is narrower.
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    write_skops_dir(model_dir, skops.io.dumps(KMeans(n_clusters=2, n_init=1).fit(X, y)))

    with pytest.raises(UnsafeArtifact, match=re.escape("sklearn.cluster._kmeans.KMeans")):
        load_model(model_dir)


def test_load_skops_unlisted_submodule_is_refused_without_importing_it(model_dir: Path) -> None:
    # The check runs in a fresh interpreter, so sys.modules shows only what loading imported.
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    write_skops_dir(model_dir, skops.io.dumps(CheckingClassifier().fit(X, y)))
    script = (
        "import sys\n"
        "from modelyard.errors import UnsafeArtifact\n"
        "from modelyard.flavors import load_model\n"
        "try:\n"
        f"    load_model(__import__('pathlib').Path({str(model_dir)!r}))\n"
        "except UnsafeArtifact as exc:\n"
        "    print('refused', 'CheckingClassifier' in str(exc))\n"
        "print('imported', 'sklearn.utils._mocking' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )

    assert result.stdout.split() == ["refused", "True", "imported", "False"], result.stderr


def test_load_skops_listed_name_through_function_loader_raises_unsafe(model_dir: Path) -> None:
    # A listed name is trusted only as data to rebuild, never as something to look up and call.
    payload = skops_archive(
        {
            "__class__": "SVC",
            "__module__": "sklearn.svm._classes",
            "__loader__": "FunctionNode",
            "content": {"module_path": "sklearn.svm._classes", "function": "SVC"},
        }
    )
    write_skops_dir(model_dir, payload)

    with pytest.raises(UnsafeArtifact, match=re.escape("SVC (as FunctionNode)")):
        load_model(model_dir)


def test_load_skops_with_trusted_types_loads_unlisted_class(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    model = CustomEstimator().fit(*data)
    write_skops_dir(model_dir, skops.io.dumps(model))
    name = f"{CustomEstimator.__module__}.CustomEstimator"

    loaded = load_model(model_dir, trusted_types=[name])

    assert_array_equal(loaded.predict(data[0]), model.predict(data[0]))


def test_load_skops_with_other_trusted_types_still_refuses(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    write_skops_dir(model_dir, skops.io.dumps(CustomEstimator().fit(*data)))

    with pytest.raises(UnsafeArtifact, match="CustomEstimator"):
        load_model(model_dir, trusted_types=["sklearn.cluster._kmeans.KMeans"])


def test_load_skops_ignores_trusted_types_recorded_in_descriptor(
    model_dir: Path, data: tuple[np.ndarray, np.ndarray]
) -> None:
    write_skops_dir(model_dir, skops.io.dumps(CustomEstimator().fit(*data)))
    descriptor = json.loads((model_dir / "modelyard-model.json").read_text())
    descriptor["metadata"]["trusted_types"] = [f"{CustomEstimator.__module__}.CustomEstimator"]
    (model_dir / "modelyard-model.json").write_text(json.dumps(descriptor))

    with pytest.raises(UnsafeArtifact):
        load_model(model_dir)


def test_save_model_skops_with_unlisted_sklearn_class_raises_invalid_argument(
    model_dir: Path,
) -> None:
    model = KMeans(n_clusters=2, n_init=1).fit(np.arange(20.0).reshape(10, 2))

    with pytest.raises(InvalidArgument, match="cloudpickle"):
        save_model(model, model_dir)

    assert list(model_dir.iterdir()) == []


def test_allowlist_names_only_classes_the_installed_sklearn_defines() -> None:
    assert missing_entries() == []


def test_load_skops_forest_passes_policy_and_predicts(
    model_dir: Path, forest: RandomForestClassifier, data: tuple[np.ndarray, np.ndarray]
) -> None:
    write_skops_dir(model_dir, skops.io.dumps(forest))

    assert_array_equal(load_model(model_dir).predict(data[0]), forest.predict(data[0]))


@pytest.mark.parametrize("trusted_types", ["sklearn.cluster._kmeans.KMeans", [1]])
def test_load_model_with_malformed_trusted_types_raises_invalid_argument(
    model_dir: Path, forest: RandomForestClassifier, trusted_types: Any
) -> None:
    write_skops_dir(model_dir, skops.io.dumps(forest))

    with pytest.raises(InvalidArgument, match="trusted_types"):
        load_model(model_dir, trusted_types=trusted_types)
