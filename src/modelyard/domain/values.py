"""JSON values the registry stores as given (flavor metadata, signatures): checked once in
the domain so every entrypoint (REST, embedded SDK, MLflow adapter) stores only values
that every backend can hold and every response can render."""

from __future__ import annotations

import math
from typing import Any, TypeVar

from modelyard.errors import InvalidArgument

MAX_DEPTH = 64
T = TypeVar("T")


def _check(value: Any, what: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidArgument(f"{what} is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgument(f"{what} has a key that is not a string: {key!r:.40}")
            _check(item, what, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item, what, depth + 1)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgument(f"{what} holds {value}, which JSON cannot represent")
    elif value is not None and not isinstance(value, str | int | bool):
        raise InvalidArgument(f"{what} holds a {type(value).__name__}, not a JSON value")


def json_value(value: T, what: str) -> T:
    """``value`` if it is JSON: objects with string keys, arrays, finite numbers, strings,
    booleans and nulls. Python's json module reads NaN and Infinity, but PostgreSQL's
    ``json`` type refuses them and responses render with ``allow_nan=False``, so a value
    holding one could be stored but never read back."""
    _check(value, what, 0)
    return value


def json_object(value: object, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object of finite numbers, strings, booleans and nulls."""
    if not isinstance(value, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    _check(value, what, 0)
    return value
