"""Checks for listed estimators whose predict or transform is numpy code, and for pipelines.

numpy indexing is bounds-checked, so for linear models, scalers and the like a malformed
attribute can only raise; these checks make it raise here, at load, with a clear error. The
one-hot encoder is the exception: it hands indices it computed from its categories to a scipy
sparse matrix, which does not check them, so they must be consistent before first use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelyard.errors import UnsafeArtifact


def no_structure(obj: Any) -> None:
    """For parameter holders (losses, links, label encoders) that predict never indexes with."""
    del obj


def features_in(estimator: Any) -> int:
    """The fitted ``n_features_in_``, which must be a positive int."""
    width = getattr(estimator, "n_features_in_", None)
    if isinstance(width, bool) or not isinstance(width, int | np.integer) or width < 1:
        raise UnsafeArtifact(f"{type(estimator).__name__} has n_features_in_ {width!r}")
    return int(width)


def check_features(estimator: Any) -> None:
    """If fitted, ``n_features_in_`` is a positive int (an unfitted estimator refuses predict)."""
    if "n_features_in_" in vars(estimator):
        features_in(estimator)


def check_dummy(model: Any) -> None:
    """A dummy classifier's probability columns are its classes (gradient boosting relies on it).

    Gradient boosting writes one raw-prediction column per class into an array as wide as
    this estimator's ``predict_proba``, without bounds checks.
    """
    check_features(model)
    if "classes_" not in vars(model) or getattr(model, "n_outputs_", 1) != 1:
        return
    count = len(model.classes_)
    if model.n_classes_ != count or np.asarray(model.class_prior_).shape != (count,):
        raise UnsafeArtifact("dummy classifier classes, class count and priors disagree")


def check_linear(model: Any) -> None:
    """Linear models: ``coef_``'s last axis is the input width."""
    check_features(model)
    coef = getattr(model, "coef_", None)
    if coef is None:
        return
    if not isinstance(coef, np.ndarray) or coef.ndim not in (1, 2):
        raise UnsafeArtifact(f"{type(model).__name__} coef_ must be a 1-d or 2-d array")
    if coef.shape[-1] != features_in(model):
        raise UnsafeArtifact(f"{type(model).__name__} coef_ does not match n_features_in_")


def check_pipeline(pipeline: Any) -> None:
    """Steps are ``(name, step)`` pairs; each step is checked as an object of its own type."""
    steps = pipeline.steps
    if not isinstance(steps, list) or not steps:
        raise UnsafeArtifact("pipeline steps must be a non-empty list")
    for step in steps:
        if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)):
            raise UnsafeArtifact("pipeline steps must be (name, estimator) pairs")


def check_one_hot_encoder(encoder: Any) -> None:
    """The output columns per feature follow from sorted categories and the dropped ones."""
    if "categories_" not in vars(encoder):
        return
    categories = encoder.categories_
    if not isinstance(categories, list) or len(categories) != features_in(encoder):
        raise UnsafeArtifact("one-hot encoder has one category list per input feature")
    if getattr(encoder, "_infrequent_enabled", False):
        raise UnsafeArtifact("one-hot encoders with infrequent categories cannot be checked")
    for values in categories:
        _check_sorted(values)
    _check_dropped(encoder._drop_idx_after_grouping, categories)
    if list(encoder._n_features_outs) != encoder._compute_n_features_outs():
        raise UnsafeArtifact("one-hot encoder output widths do not match its categories")


def _check_sorted(values: Any) -> None:
    # transform finds a value's column by binary search, which needs sorted categories.
    if not isinstance(values, np.ndarray) or values.ndim != 1:
        raise UnsafeArtifact("one-hot encoder categories must be 1-d arrays")
    if values.dtype == object:
        return  # looked up through a dict, not by binary search
    if values.dtype.kind == "f" and values.size and np.isnan(values[-1]):
        values = values[:-1]
    if not bool(np.all(values[:-1] < values[1:])):
        raise UnsafeArtifact("one-hot encoder categories must be sorted and distinct")


def _check_dropped(dropped: Any, categories: list[Any]) -> None:
    if dropped is None:
        return
    if len(dropped) != len(categories):
        raise UnsafeArtifact("one-hot encoder has one dropped index per feature")
    for index, values in zip(dropped, categories, strict=True):
        if index is not None and not 0 <= int(index) < len(values):
            raise UnsafeArtifact("one-hot encoder drops a category it does not have")
