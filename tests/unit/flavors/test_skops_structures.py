"""modelyard.flavors: crafted skops files whose compiled structures are malformed are refused.

Each file holds only allowed types, so the type policy lets it through; the structural check
must refuse it at load, before anything can call ``predict`` on it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from modelyard.errors import UnsafeArtifact
from modelyard.flavors import load_model
from modelyard.flavors.sklearn_flavor import load_skops
from tests.unit.flavors.support import sample_data, write_skops_dir

Mutation = Callable[[Any], None]


@cache
def fitted(kind: str) -> Any:
    X, y = sample_data()
    models: dict[str, Any] = {
        "tree": DecisionTreeClassifier(max_depth=4, random_state=0),
        "forest": RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0),
        "boosting": GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0),
        "hist": HistGradientBoostingRegressor(max_iter=3, max_depth=3),
        "kd": KNeighborsClassifier(algorithm="kd_tree"),
        "ball": KNeighborsClassifier(algorithm="ball_tree"),
        "svc": SVC(),
    }
    return models[kind].fit(X, y)


def crafted(kind: str, mutate: Mutation) -> bytes:
    model = copy.deepcopy(fitted(kind))
    mutate(model)
    return bytes(skops.io.dumps(model))


def set_tree_node(field: str, node: int, value: int) -> Mutation:
    def mutate(model: Any) -> None:
        tree = model.tree_
        state = tree.__getstate__()
        nodes = state["nodes"].copy()
        nodes[field][node] = value
        tree.__setstate__({**state, "nodes": nodes})

    return mutate


def set_hist_node(field: str, value: int) -> Mutation:
    def mutate(model: Any) -> None:
        nodes = model._predictors[0][0].nodes
        nodes[field][int(np.flatnonzero(nodes["is_leaf"] == 0)[0])] = value

    return mutate


def set_neighbor_state(index: int, change: Callable[[Any], Any]) -> Mutation:
    def mutate(model: Any) -> None:
        state = list(model._tree.__getstate__())
        state[index] = change(state[index])
        model._tree.__setstate__(tuple(state))

    return mutate


def with_first(array: np.ndarray, value: Any) -> np.ndarray:
    changed = array.copy()
    changed.flat[0] = value
    return changed


def assign(name: str, value: Any) -> Mutation:
    return lambda model: setattr(model, name, value)


CASES: dict[str, tuple[str, Mutation]] = {  # case: (model kind, corruption)
    "tree-child-out-of-range": ("tree", set_tree_node("left_child", 0, 10**6)),
    "tree-cycle": ("tree", set_tree_node("right_child", 1, 0)),
    "tree-self-loop": ("tree", set_tree_node("left_child", 0, 0)),
    "tree-feature-out-of-range": ("tree", set_tree_node("feature", 0, 50)),
    "tree-wider-than-input": ("tree", assign("n_features_in_", 1)),
    "tree-without-input-width": ("tree", lambda m: delattr(m, "n_features_in_")),
    "forest-member-wider-than-forest": ("forest", assign("n_features_in_", 1)),
    "boosting-stage-shape": (
        "boosting",
        lambda m: setattr(m, "estimators_", np.repeat(m.estimators_, 2, axis=1)),
    ),
    "boosting-init-priors": (
        "boosting",
        lambda m: setattr(m.init_, "class_prior_", m.init_.class_prior_[:1]),
    ),
    "hist-child-out-of-range": ("hist", set_hist_node("left", 10**6)),
    "hist-cycle": ("hist", set_hist_node("right", 0)),
    "hist-feature-out-of-range": ("hist", set_hist_node("feature_idx", 9)),
    "hist-categorical-numeric-feature": ("hist", set_hist_node("is_categorical", 1)),
    "hist-bitset-width": (
        "hist",
        lambda m: setattr(
            m._predictors[0][0], "raw_left_cat_bitsets", np.zeros((1, 1), dtype=np.uint32)
        ),
    ),
    "kd-idx-array-out-of-range": ("kd", set_neighbor_state(1, lambda a: with_first(a, 10**6))),
    "ball-idx-array-out-of-range": ("ball", set_neighbor_state(1, lambda a: with_first(a, -1))),
    "kd-node-range-beyond-samples": (
        "kd",
        set_neighbor_state(2, lambda nodes: _with_node_end(nodes, 10**6)),
    ),
    "kd-node-bounds-too-small": (
        "kd",
        set_neighbor_state(3, lambda bounds: np.ascontiguousarray(bounds[:, :, :1])),
    ),
    "kd-leaf-size-zero": ("kd", set_neighbor_state(4, lambda size: 0)),
    "kd-training-data-mismatch": ("kd", lambda m: setattr(m, "_fit_X", m._fit_X[:, :2])),
    "svc-n-support-exceeds-vectors": (
        "svc",
        lambda m: setattr(m, "_n_support", (m._n_support + 5).astype(np.int32)),
    ),
    "svc-extra-class": (
        "svc",
        lambda m: setattr(m, "_n_support", np.append(m._n_support, 0).astype(np.int32)),
    ),
    "svc-dual-coef-short": ("svc", lambda m: setattr(m, "_dual_coef_", m._dual_coef_[:, :3])),
    "svc-intercepts": ("svc", lambda m: setattr(m, "_intercept_", np.zeros(3))),
    "svc-kernel": ("svc", assign("kernel", "unknown")),
}


# What the refusal must name, so a case cannot pass on an unrelated error.
REASONS = {
    "tree-child-out-of-range": "child or feature",
    "tree-cycle": "child or feature",
    "tree-self-loop": "child or feature",
    "tree-feature-out-of-range": "child or feature",
    "tree-wider-than-input": "accepts 1 features",
    "tree-without-input-width": "n_features_in_",
    "forest-member-wider-than-forest": "members must accept",
    "boosting-stage-shape": "trees per stage",
    "boosting-init-priors": "priors disagree",
    "kd-leaf-size-zero": "leaf_size",
    "hist-child-out-of-range": "child, feature or bitset",
    "hist-cycle": "child, feature or bitset",
    "hist-feature-out-of-range": "input width",
    "hist-categorical-numeric-feature": "child, feature or bitset",
    "hist-bitset-width": "bitsets must be",
    "kd-idx-array-out-of-range": "permutation",
    "ball-idx-array-out-of-range": "permutation",
    "kd-node-range-beyond-samples": "outside idx_array",
    "kd-node-bounds-too-small": "node_bounds",
    "kd-training-data-mismatch": "training data",
    "svc-n-support-exceeds-vectors": "add up",
    "svc-extra-class": "add up",
    "svc-dual-coef-short": "_dual_coef_",
    "svc-intercepts": "_intercept_",
    "svc-kernel": "kernel",
}


def _with_node_end(nodes: np.ndarray, end: int) -> np.ndarray:
    changed = nodes.copy()
    changed["idx_end"][0] = end
    return changed


@pytest.mark.parametrize("case", sorted(CASES))
def test_load_skops_with_malformed_structure_raises_unsafe(model_dir: Path, case: str) -> None:
    kind, mutate = CASES[case]
    write_skops_dir(model_dir, crafted(kind, mutate))

    with pytest.raises(UnsafeArtifact, match=re.escape(REASONS[case])):
        load_model(model_dir)


@pytest.mark.parametrize(
    "case", ["tree-cycle", "hist-child-out-of-range", "kd-idx-array-out-of-range", "svc-intercepts"]
)
def test_plain_skops_loads_malformed_structure_when_types_trusted(case: str) -> None:
    # Control for the test above: the files are well-formed skops, so only our check stands
    # between them and predict. (predict itself is never called on them.)
    kind, mutate = CASES[case]
    payload = crafted(kind, mutate)

    loaded = skops.io.loads(payload, trusted=skops.io.get_untrusted_types(data=payload))

    assert type(loaded) is type(fitted(kind))


def test_load_skops_one_hot_encoder_with_unsorted_categories_raises_unsafe(
    model_dir: Path,
) -> None:
    encoder = OneHotEncoder().fit(np.array([[1], [3], [5]]))
    encoder.categories_ = [np.array([5, 3, 1])]
    write_skops_dir(model_dir, skops.io.dumps(encoder))

    with pytest.raises(UnsafeArtifact, match="sorted"):
        load_model(model_dir)


@cache
def tree_state() -> tuple[bytes, int]:
    tree = fitted("tree")
    return bytes(skops.io.dumps(tree)), int(tree.tree_.node_count)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(["left_child", "right_child", "feature"]),
    node=st.integers(0, 30),
    value=st.integers(-3, 40) | st.sampled_from([2**31 - 1, -(2**31), 2**40]),
)
def test_load_skops_corrupted_tree_is_refused_or_predicts_in_bounds(
    field: str, node: int, value: int
) -> None:
    _, count = tree_state()
    payload = crafted("tree", set_tree_node(field, node % count, value))

    try:
        model = load_skops(payload)
    except UnsafeArtifact:
        return
    X, y = sample_data()
    assert set(model.predict(X)) <= set(np.unique(y))


HIST_FIELDS = ["left", "right", "feature_idx", "is_leaf", "is_categorical", "bitset_idx"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(HIST_FIELDS),
    node=st.integers(0, 60),
    value=st.integers(0, 80) | st.sampled_from([2**31, 2**32 - 1]),
)
def test_load_skops_corrupted_hist_tree_is_refused_or_predicts_finite(
    field: str, node: int, value: int
) -> None:
    def mutate(model: Any) -> None:
        nodes = model._predictors[0][0].nodes
        nodes[field][node % nodes.size] = value % np.iinfo(nodes[field].dtype).max

    try:
        model = load_skops(crafted("hist", mutate))
    except UnsafeArtifact:
        return
    X, _ = sample_data()
    assert np.all(np.isfinite(model.predict(X)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    part=st.sampled_from(["idx_array", "idx_start", "idx_end", "is_leaf"]),
    position=st.integers(0, 200),
    value=st.integers(-5, 200),
)
def test_load_skops_corrupted_kd_tree_is_refused_or_predicts_known_labels(
    part: str, position: int, value: int
) -> None:
    def change(state: Any) -> Any:
        state = list(state)
        target = state[1] if part == "idx_array" else state[2][part]
        target[position % target.size] = value
        return tuple(state)

    def mutate(model: Any) -> None:
        model._tree.__setstate__(change(model._tree.__getstate__()))

    try:
        model = load_skops(crafted("kd", mutate))
    except UnsafeArtifact:
        return
    X, y = sample_data()
    assert set(model.predict(X)) <= set(np.unique(y))


# A categorical HistGradientBoosting model also holds its column preprocessor, whose types
# are not on the list; the caller opts in to those, and the trees are still checked.
CATEGORICAL_EXTRAS = [
    "builtins.slice",
    "functools.partial",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.utils.validation.check_array",
]


@cache
def categorical_hist() -> tuple[Any, np.ndarray]:
    X, y = sample_data()
    X = X.copy()
    X[:, 0] = y * 3 + np.arange(len(y)) % 3  # categories 0..5 that predict y
    model = HistGradientBoostingClassifier(max_iter=5, categorical_features=[0]).fit(X, y)
    return model, X


def test_load_skops_categorical_hist_with_opt_in_predicts_same() -> None:
    model, X = categorical_hist()

    loaded = load_skops(skops.io.dumps(model), CATEGORICAL_EXTRAS)

    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_load_skops_categorical_hist_with_bitset_beyond_rows_raises_unsafe() -> None:
    model = copy.deepcopy(categorical_hist()[0])
    nodes = next(
        p.nodes for it in model._predictors for p in it if np.any(p.nodes["is_categorical"])
    )
    nodes["bitset_idx"][np.flatnonzero(nodes["is_categorical"])[0]] = 10**6

    with pytest.raises(UnsafeArtifact, match="bitset"):
        load_skops(skops.io.dumps(model), CATEGORICAL_EXTRAS)


def test_load_skops_categorical_split_on_numeric_feature_raises_unsafe() -> None:
    model = copy.deepcopy(categorical_hist()[0])
    nodes = next(
        p.nodes for it in model._predictors for p in it if np.any(p.nodes["is_categorical"])
    )
    nodes["feature_idx"][np.flatnonzero(nodes["is_categorical"])[0]] = 1  # a numeric column

    with pytest.raises(UnsafeArtifact, match="categories of a numeric feature"):
        load_skops(skops.io.dumps(model), CATEGORICAL_EXTRAS)
