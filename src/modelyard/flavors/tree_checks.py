"""Structural checks on decision trees loaded from an untrusted skops file.

scikit-learn's ``Tree`` keeps raw child and feature indices that its compiled code follows
without bounds checks, so a crafted file could make ``predict`` read out of bounds or loop
forever (skops refuses to trust ``Tree`` by default for this reason). Before a loaded model is
handed out, every ``Tree`` reachable from it must have children that point forward to existing
nodes and features within the width of the ``X`` its estimator accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from modelyard.errors import UnsafeArtifact

MAX_OBJECTS = 1_000_000


def check_trees(model: object) -> None:
    """Raise UnsafeArtifact if any decision tree reachable from ``model`` is malformed."""
    from sklearn.tree._tree import Tree

    for obj in _reachable(model):
        if isinstance(obj, Tree):
            _check_tree(obj)
        tree = getattr(obj, "__dict__", {}).get("tree_")
        if isinstance(tree, Tree):
            _check_owner(obj, tree)


def _check_tree(tree: Any) -> None:
    count = int(tree.node_count)
    if not 0 < count <= int(tree.capacity):
        raise UnsafeArtifact(f"decision tree has node_count {count} outside its node storage")
    index = np.arange(count)
    left = np.asarray(tree.children_left)
    right = np.asarray(tree.children_right)
    feature = np.asarray(tree.feature)
    leaf = (left == -1) & (right == -1)
    forward = (left > index) & (left < count) & (right > index) & (right < count)
    in_range = (feature >= 0) & (feature < int(tree.n_features))
    if not bool(np.all(leaf | (forward & in_range))):
        raise UnsafeArtifact("decision tree has child or feature indices out of range")


def _check_owner(owner: object, tree: Any) -> None:
    width = getattr(owner, "n_features_in_", None)
    if not isinstance(width, int) or int(tree.n_features) > width:
        raise UnsafeArtifact(
            f"{type(owner).__name__} accepts {width!r} features but its tree uses "
            f"{int(tree.n_features)}"
        )


def _reachable(root: object) -> Iterator[object]:
    """Objects reachable through containers, object arrays and instance ``__dict__``s."""
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
