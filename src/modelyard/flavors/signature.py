"""Signatures inferred from an input example and the model's prediction on it."""

from __future__ import annotations

from typing import Any

import numpy as np

from modelyard.errors import InvalidArgument
from modelyard.flavors.base import Predictor


def infer_signature(predictor: Predictor, input_example: Any) -> dict[str, Any]:
    """Describe the example and the prediction on it; InvalidArgument if prediction fails."""
    try:
        output = predictor.predict(input_example)
    except Exception as exc:
        raise InvalidArgument(
            f"the model cannot predict on the input example: {type(exc).__name__}: {exc}"
        ) from exc
    return {"inputs": [describe(input_example)], "outputs": [describe(output)]}


def describe(value: Any) -> dict[str, Any]:
    """``{"type": <dtype name>, "shape": [-1, ...]}``; the first (batch) axis is left variable."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        return {"type": "object", "shape": None}
    shape: list[int] = list(array.shape)
    if shape:
        shape[0] = -1
    return {"type": _type_name(array.dtype), "shape": shape}


def _type_name(dtype: np.dtype[Any]) -> str:
    if dtype.kind == "U":
        return "string"
    if dtype.kind == "S":
        return "bytes"
    if dtype.kind == "O":
        return "object"
    return dtype.name
