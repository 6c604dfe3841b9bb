"""Shared helpers for the flavor tests: sample data, hand-written model directories, payloads."""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import skops.io
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

from modelyard.flavors import DESCRIPTOR


@cache
def sample_data() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(
        n_samples=100, n_features=4, n_informative=2, n_redundant=0, random_state=42
    )
    return X, y


@cache
def fitted_forest() -> RandomForestClassifier:
    X, y = sample_data()
    return RandomForestClassifier(n_estimators=20, random_state=42).fit(X, y)


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


class PickleExec:
    """Unpickling this runs ``exec(code)``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (self.code,))


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


def write_skops_dir(directory: Path, payload: bytes) -> None:
    write_model_dir(directory, flavor="sklearn", model_file="m.skops", payload=payload, fmt="skops")


def write_descriptor_text(directory: Path, text: str | bytes) -> None:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    (directory / DESCRIPTOR).write_bytes(raw)


def marker_payload_code(marker: Path) -> str:
    return f"import pathlib; pathlib.Path({str(marker)!r}).write_text('pwned')"


def skops_archive(schema: dict[str, Any]) -> bytes:
    """A skops file holding only ``schema`` (no array members)."""
    schema = {**schema, "protocol": 2, "_skops_version": skops.__version__}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    return buffer.getvalue()


def skops_exec_payload(code: str) -> bytes:
    """A skops file whose loading would call ``builtins.exec(code)``."""
    argument = {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(code),
        "is_json": True,
    }
    return skops_archive(
        {
            "__class__": "exec",
            "__module__": "builtins",
            "__loader__": "ConstructorFromReduceNode",
            "content": {
                "__class__": "tuple",
                "__module__": "builtins",
                "__loader__": "TupleNode",
                "content": [argument],
            },
        }
    )
