"""Structural checks on nearest-neighbour models (KDTree, BallTree) from an untrusted file.

A tree query walks nodes ``0..n_nodes-1`` (children of ``i`` are ``2i+1`` and ``2i+2``),
reads ``node_bounds[:, i, :]`` and, at a leaf, ``data[idx_array[k]]`` for ``k`` in the
node's ``[idx_start, idx_end)``, all with bounds checks off. So: ``idx_array`` is a
permutation of the samples, every node's range lies inside it, every inner node has both
children, and ``node_bounds`` covers every node and feature. The distance metric's weight
vector, if any, must match the feature count; and the estimator must agree with its tree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelyard.errors import UnsafeArtifact
from modelyard.flavors.estimator_checks import features_in

_BOUND_ROWS = {"KDTree": 2, "BallTree": 1}  # KD: lower and upper corner; Ball: centroid


def check_binary_tree(tree: Any) -> None:
    """A KDTree or BallTree whose arrays and counts are mutually consistent."""
    state = tree.__getstate__()
    data, idx_array, node_data, node_bounds = (np.asarray(a) for a in state[:4])
    if data.ndim != 2 or data.shape[0] < 1:
        raise UnsafeArtifact("neighbour tree data must be a non-empty 2-d array")
    samples, width = data.shape
    if idx_array.shape != (samples,) or not np.array_equal(np.sort(idx_array), np.arange(samples)):
        raise UnsafeArtifact("neighbour tree idx_array must be a permutation of its samples")
    nodes = node_data.shape[0] if node_data.ndim == 1 else -1
    levels, counted = int(state[5]), int(state[6])
    if int(state[4]) < 1:  # leaf_size divides sample counts in compiled code
        raise UnsafeArtifact("neighbour tree leaf_size must be at least 1")
    if nodes < 1 or counted != nodes or not 0 < levels < 64 or 2**levels - 1 != nodes:
        raise UnsafeArtifact("neighbour tree node count disagrees with its node array")
    if node_bounds.shape != (_BOUND_ROWS[type(tree).__name__], nodes, width):
        raise UnsafeArtifact("neighbour tree node_bounds must cover every node and feature")
    weights = state[12]
    if weights is not None and np.asarray(weights).shape != (samples,):
        raise UnsafeArtifact("neighbour tree sample weights must hold one weight per sample")
    _check_nodes(node_data, samples)
    check_metric(state[11], width)


def _check_nodes(node_data: np.ndarray, samples: int) -> None:
    start = node_data["idx_start"].astype(np.int64)
    end = node_data["idx_end"].astype(np.int64)
    if not bool(np.all((start >= 0) & (start <= end) & (end <= samples))):
        raise UnsafeArtifact("neighbour tree node ranges fall outside idx_array")
    inner = np.flatnonzero(node_data["is_leaf"] == 0)
    if inner.size and int(inner.max()) * 2 + 2 >= node_data.shape[0]:
        raise UnsafeArtifact("neighbour tree inner node has a child beyond its nodes")


def check_metric(metric: Any, width: int | None = None) -> None:
    """Listed metrics: ``p >= 1``; Minkowski's weight vector is empty or one per feature.

    The other listed metrics carry a placeholder vector that their distance never reads.
    """
    state = metric.__getstate__()
    p, weights = float(state[0]), np.asarray(state[1])
    if not p >= 1:
        raise UnsafeArtifact(f"distance metric has p={p}; p must be at least 1")
    if weights.ndim != 1:
        raise UnsafeArtifact("distance metric weights must be a 1-d array")
    weighted = type(metric).__name__.startswith("Minkowski")
    if weighted and width is not None and weights.size not in (0, width):
        raise UnsafeArtifact("distance metric weights do not match the number of features")


def check_kneighbors(model: Any) -> None:
    """The estimator's training data, targets and tree describe the same samples."""
    if "_fit_X" not in vars(model):
        return  # not fitted
    fit_x = np.asarray(model._fit_X)
    if fit_x.ndim != 2 or fit_x.shape[1] != features_in(model):
        raise UnsafeArtifact("nearest-neighbour training data does not match n_features_in_")
    if int(model.n_samples_fit_) != fit_x.shape[0] or len(model._y) != fit_x.shape[0]:
        raise UnsafeArtifact("nearest-neighbour sample counts disagree")
    method = model._fit_method
    if method not in ("brute", "kd_tree", "ball_tree"):
        raise UnsafeArtifact(f"unknown nearest-neighbour method {method!r}")
    if method == "brute":
        return
    from sklearn.neighbors import BallTree, KDTree

    expected = KDTree if method == "kd_tree" else BallTree
    tree = model._tree
    if type(tree) is not expected or np.asarray(tree.data).shape != fit_x.shape:
        raise UnsafeArtifact(f"nearest-neighbour {method} model needs a tree of its data")
