"""Structural checks on HistGradientBoosting models from an untrusted file.

Their compiled predictor walks ``TreePredictor.nodes`` with bounds checks off: it reads
``X[row, node.feature_idx]``, jumps to ``nodes[node.left]`` / ``nodes[node.right]`` until a
leaf, and for a categorical split reads row ``node.bitset_idx`` of an ``(n, 8)`` bitset array
and row ``f_idx_map[node.feature_idx]`` of the known-categories bitsets built from the bin
mapper. So: the node records have the exact dtype, children point forward (no cycle) to
existing nodes, features are inside the model's input width, a categorical split names a
categorical feature and an existing bitset row, and the bitset arrays are ``uint32 (n, 8)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelyard.errors import UnsafeArtifact
from modelyard.flavors.estimator_checks import features_in

_BITSET_WORDS = 8  # 256 category bits per row, as the compiled code assumes
_MAX_CATEGORY = 255


def check_predictor(predictor: Any) -> None:
    """One tree: node dtype, forward children, bitset rows; feature width is the owner's."""
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = predictor.nodes
    if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE:
        raise UnsafeArtifact("histogram tree nodes must be an array of predictor records")
    if nodes.ndim != 1 or nodes.size == 0:
        raise UnsafeArtifact("histogram tree must have at least one node")
    rows = min(
        _bitset_rows(predictor.raw_left_cat_bitsets),
        _bitset_rows(predictor.binned_left_cat_bitsets),
    )
    inner = nodes["is_leaf"] == 0
    index = np.arange(nodes.size)
    left = nodes["left"].astype(np.int64)
    right = nodes["right"].astype(np.int64)
    forward = (left > index) & (left < nodes.size) & (right > index) & (right < nodes.size)
    categorical = nodes["is_categorical"] != 0
    bitsets_ok = ~categorical | (nodes["bitset_idx"].astype(np.int64) < rows)
    if not bool(np.all(~inner | (forward & (nodes["feature_idx"] >= 0) & bitsets_ok))):
        raise UnsafeArtifact("histogram tree has child, feature or bitset indices out of range")


def check_bin_mapper(mapper: Any) -> None:
    """One category flag and threshold array per feature; categories are 0..255."""
    flags = getattr(mapper, "is_categorical_", None)
    if "bin_thresholds_" not in vars(mapper) and flags is None:
        return  # not fitted
    if not isinstance(flags, np.ndarray) or flags.ndim != 1:
        raise UnsafeArtifact("bin mapper is_categorical_ must be a 1-d array")
    thresholds = mapper.bin_thresholds_
    if not isinstance(thresholds, list) or len(thresholds) != flags.size:
        raise UnsafeArtifact("bin mapper has one threshold array per feature")
    for flag, values in zip(flags, thresholds, strict=True):
        if flag and not _are_categories(values):
            raise UnsafeArtifact("bin mapper categories must be integers from 0 to 255")


def check_hist_gradient_boosting(model: Any) -> None:
    """Every tree reads only the model's features, with bitsets its bin mapper can build."""
    if "_predictors" not in vars(model):
        return  # not fitted
    from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    width = features_in(model)
    mapper = model._bin_mapper
    flags = getattr(mapper, "is_categorical_", None)
    if not isinstance(mapper, _BinMapper) or not isinstance(flags, np.ndarray):
        raise UnsafeArtifact("histogram gradient boosting needs a fitted bin mapper")
    if flags.shape != (width,):
        raise UnsafeArtifact("bin mapper does not describe every input feature")
    per_iteration = int(model.n_trees_per_iteration_)
    for iteration in model._predictors:
        if not isinstance(iteration, list) or len(iteration) != per_iteration:
            raise UnsafeArtifact(f"each boosting iteration must hold {per_iteration} trees")
        for predictor in iteration:
            if not isinstance(predictor, TreePredictor):
                raise UnsafeArtifact("histogram gradient boosting trees must be TreePredictors")
            check_predictor(predictor)
            _check_features(predictor.nodes, flags.astype(bool))


def _check_features(nodes: np.ndarray, categorical: np.ndarray) -> None:
    inner = nodes[nodes["is_leaf"] == 0]
    feature = inner["feature_idx"]
    if bool(np.any((feature < 0) | (feature >= categorical.size))):
        raise UnsafeArtifact("histogram tree reads a feature beyond the model's input width")
    split_categorical = inner["is_categorical"] != 0
    if bool(np.any(split_categorical & ~categorical[feature])):
        raise UnsafeArtifact("histogram tree splits on categories of a numeric feature")


def _bitset_rows(bitsets: Any) -> int:
    if (
        not isinstance(bitsets, np.ndarray)
        or bitsets.dtype != np.uint32
        or bitsets.ndim != 2
        or bitsets.shape[1] != _BITSET_WORDS
    ):
        raise UnsafeArtifact(f"histogram tree bitsets must be a uint32 (n, {_BITSET_WORDS}) array")
    return int(bitsets.shape[0])


def _are_categories(values: Any) -> bool:
    if not isinstance(values, np.ndarray) or values.ndim != 1 or values.dtype.kind not in "fiu":
        return False
    return bool(np.all((values >= 0) & (values <= _MAX_CATEGORY) & (values == np.floor(values))))
