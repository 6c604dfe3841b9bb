"""Structural checks on decision trees, forests and gradient boosting from an untrusted file.

scikit-learn's ``Tree`` keeps raw child and feature indices that its compiled code follows
without bounds checks, so a crafted file could make ``predict`` read out of bounds or loop
forever. ``Tree.__setstate__`` already checks the node and value arrays' dtypes and shapes;
here every tree must have children that point forward (so no cycle) to existing nodes, and
features within the width of the ``X`` that reaches it: its own estimator's
``n_features_in_``, or, for gradient boosting (whose compiled loop reads the tree nodes
directly), the ensemble's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelyard.errors import UnsafeArtifact
from modelyard.flavors.estimator_checks import check_features, features_in


def check_tree(tree: Any) -> None:
    """Raise UnsafeArtifact unless every node's children and feature index are usable."""
    count = int(tree.node_count)
    if not 0 < count <= int(tree.capacity):
        raise UnsafeArtifact(f"decision tree has node_count {count} outside its node storage")
    index = np.arange(count)
    left = np.asarray(tree.children_left)[:count]
    right = np.asarray(tree.children_right)[:count]
    feature = np.asarray(tree.feature)[:count]
    leaf = (left == -1) & (right == -1)
    forward = (left > index) & (left < count) & (right > index) & (right < count)
    in_range = (feature >= 0) & (feature < int(tree.n_features))
    if not bool(np.all(leaf | (forward & in_range))):
        raise UnsafeArtifact("decision tree has child or feature indices out of range")


def check_tree_estimator(estimator: Any) -> None:
    """A fitted DecisionTree*/ExtraTree*: its tree reads at most ``n_features_in_`` columns."""
    if "tree_" in vars(estimator):
        _check_tree_width(estimator, features_in(estimator))


def check_forest(forest: Any) -> None:
    """Random forests and extra trees: every member reads only the forest's ``X``."""
    if "estimators_" not in vars(forest):
        return  # not fitted
    width = features_in(forest)
    for member in _members(forest, np.asarray(forest.estimators_, dtype=object).ravel()):
        if features_in(member) != width:
            raise UnsafeArtifact(f"{type(forest).__name__} members must accept {width} features")
        _check_tree_width(member, width)


def check_gradient_boosting(model: Any) -> None:
    """GradientBoosting*: the stage array matches the raw-prediction columns it writes into."""
    check_features(model)
    if "estimators_" not in vars(model):
        return  # not fitted
    stages = model.estimators_
    if not isinstance(stages, np.ndarray) or stages.ndim != 2 or stages.dtype != object:
        raise UnsafeArtifact("gradient boosting estimators_ must be a 2-d object array")
    columns = int(model.n_trees_per_iteration_)
    if stages.shape[1] != columns or columns != _expected_columns(model):
        raise UnsafeArtifact(
            f"gradient boosting has {stages.shape[1]} trees per stage, expected {columns}"
        )
    width = features_in(model)
    for member in _members(model, stages.ravel()):
        if features_in(member) != width:
            raise UnsafeArtifact("gradient boosting trees must accept the ensemble's features")
        _check_tree_width(member, width)


def _expected_columns(model: Any) -> int:
    classes = getattr(model, "n_classes_", None)
    if classes is None:
        return 1
    loss_classes = getattr(model._loss, "n_classes", None)
    if len(model.classes_) != classes or (loss_classes or classes) != classes:
        raise UnsafeArtifact("gradient boosting classes disagree with its loss")
    init_classes = getattr(model.init_, "classes_", None)
    if init_classes is not None and len(init_classes) != classes:
        raise UnsafeArtifact("gradient boosting init estimator has different classes")
    return 1 if classes <= 2 else int(classes)


def _members(owner: Any, members: Any) -> list[Any]:
    from sklearn.tree import BaseDecisionTree

    found = list(members)
    if not found or not all(isinstance(m, BaseDecisionTree) for m in found):
        raise UnsafeArtifact(f"{type(owner).__name__} members must be decision trees")
    return found


def _check_tree_width(estimator: Any, width: int) -> None:
    from sklearn.tree._tree import Tree

    tree = getattr(estimator, "tree_", None)
    if not isinstance(tree, Tree):
        raise UnsafeArtifact(f"{type(estimator).__name__} has no decision tree")
    if int(tree.n_features) > width:
        raise UnsafeArtifact(
            f"{type(estimator).__name__} accepts {width} features but its tree uses "
            f"{int(tree.n_features)}"
        )
