"""Shapes every part of the /api/v1 contract shares: strict bodies, errors, JSON values."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

# The service accepts this many characters, and the columns hold them.
MAX_PYTHON_VERSION = 64


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class TagIn(Strict):
    value: str


def finite(value: Any) -> Any:
    """Refuse NaN and ±Infinity anywhere inside a JSON value.

    Python's json module reads them, but they are not JSON: PostgreSQL's ``json`` type
    refuses them and responses are rendered with ``allow_nan=False``, so a value holding one
    could be stored but never read back.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("NaN and Infinity are not JSON values")
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(finite)]
