"""Shapes every part of the /api/v1 contract shares: strict bodies, errors, JSON values."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from modelyard.domain.values import json_value
from modelyard.errors import InvalidArgument

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
    """Refuse NaN and ±Infinity anywhere inside a JSON value (a 400, not a 500 later)."""
    try:
        return json_value(value, "value")
    except InvalidArgument as exc:
        raise ValueError(exc.message) from None


JsonObject = Annotated[dict[str, Any], AfterValidator(finite)]
