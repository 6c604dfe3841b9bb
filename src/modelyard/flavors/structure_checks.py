"""Run the allowlist's structural validator on every object of a loaded model.

Objects are reached through containers, object arrays and instance ``__dict__``s, so an
estimator nested in a pipeline or an ensemble is checked as well as the one on top. Compiled
objects (trees, neighbour trees) have no ``__dict__``; their own validators read them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from modelyard.errors import UnsafeArtifact
from modelyard.flavors.allowlist import validators

MAX_OBJECTS = 1_000_000


def check_structures(model: object) -> None:
    """Raise UnsafeArtifact if any listed object reachable from ``model`` is malformed."""
    table = validators()
    for obj in _reachable(model):
        validator = table.get(type(obj))
        if validator is None:
            continue  # data, or a type the caller trusted explicitly
        try:
            validator(obj)
        except UnsafeArtifact:
            raise
        except Exception as exc:  # a crafted attribute of the wrong kind
            raise UnsafeArtifact(
                f"{type(obj).__name__} fails its structural check: {type(exc).__name__}: {exc}"
            ) from exc


def _reachable(root: object) -> Iterator[object]:
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise UnsafeArtifact(f"model holds more than {MAX_OBJECTS} objects")
        yield obj
        stack.extend(_children(obj))


def _children(obj: object) -> list[object]:
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    if isinstance(obj, np.ndarray):
        return list(obj.ravel()) if obj.dtype == object else []
    attributes = getattr(obj, "__dict__", None)
    return list(attributes.values()) if isinstance(attributes, dict) else []
