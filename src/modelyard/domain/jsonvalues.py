"""Free-form JSON a caller may attach (flavor metadata, signatures): only real JSON values."""

from __future__ import annotations

import math
from typing import TypeVar

from modelyard.errors import InvalidArgument

T = TypeVar("T")


def finite_json(value: T, field: str) -> T:
    """Return ``value`` unless NaN or ±Infinity hides anywhere inside it.

    Python's json module reads them, but they are not JSON: PostgreSQL's ``json`` type
    refuses them and responses are rendered with ``allow_nan=False``, so a value holding one
    could be stored but never read back.
    """
    pending: list[object] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise InvalidArgument(f"{field}: NaN and Infinity are not JSON values")
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return value
