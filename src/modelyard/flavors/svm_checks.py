"""Structural checks on libsvm models (SVC, NuSVC, SVR, NuSVR, OneClassSVM).

libsvm's predict rebuilds its C model from the fitted arrays without checking them: it takes
``len(_n_support)`` as the class count, walks ``_n_support[i]`` support vectors per class
through ``support_vectors_`` and ``_dual_coef_``, and reads one intercept (and optional
probability pair) per class pair. So those counts and shapes must agree exactly, the input
width must be the one predict validates against, and the implementation and kernel must be
ones libsvm knows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from modelyard.errors import UnsafeArtifact
from modelyard.flavors.estimator_checks import features_in

_CLASSIFIERS = ("c_svc", "nu_svc")
_KERNELS = ("linear", "poly", "rbf", "sigmoid", "precomputed")


def check_libsvm(model: Any) -> None:
    """Raise UnsafeArtifact unless the arrays libsvm follows are consistent."""
    if "support_vectors_" not in vars(model):
        return  # not fitted
    _check_settings(model)
    counts = _int_array(model._n_support, "_n_support")
    vectors = _float_array(model.support_vectors_, "support_vectors_", ndim=2)
    support = _int_array(model.support_, "support_")
    classes, total = counts.size, vectors.shape[0]
    if classes < 2 or bool(np.any(counts < 0)) or support.size != total:
        raise UnsafeArtifact("SVM support counts are inconsistent with its support vectors")
    if model._impl in _CLASSIFIERS and (
        int(counts.sum()) != total or classes != len(model.classes_)
    ):
        raise UnsafeArtifact("SVM _n_support does not add up to its support vectors")
    if model._impl not in _CLASSIFIERS and classes != 2:
        raise UnsafeArtifact("SVM regression or one-class models have two support counts")
    _check_coefficients(model, classes, total)
    _check_width(model, vectors, support)


def _check_settings(model: Any) -> None:
    if model._impl != getattr(type(model), "_impl", None):
        raise UnsafeArtifact("SVM implementation does not match its class")
    if model.kernel not in _KERNELS or model._sparse is not False:
        raise UnsafeArtifact(f"SVM kernel must be one of {_KERNELS}, on dense data")


def _check_coefficients(model: Any, classes: int, total: int) -> None:
    pairs = classes * (classes - 1) // 2
    if _float_array(model._dual_coef_, "_dual_coef_", ndim=2).shape != (classes - 1, total):
        raise UnsafeArtifact("SVM _dual_coef_ shape does not match its support vectors")
    if _float_array(model._intercept_, "_intercept_", ndim=1).shape != (pairs,):
        raise UnsafeArtifact("SVM _intercept_ must hold one value per class pair")
    for name in ("_probA", "_probB"):
        if _float_array(getattr(model, name), name, ndim=1).size not in (0, pairs):
            raise UnsafeArtifact(f"SVM {name} must be empty or hold one value per class pair")
    weights = getattr(model, "class_weight_", None)
    if weights is not None and _float_array(weights, "class_weight_", ndim=1).size not in (
        0,
        classes,
    ):
        raise UnsafeArtifact("SVM class_weight_ must hold one weight per class")


def _check_width(model: Any, vectors: np.ndarray, support: np.ndarray) -> None:
    fitted = tuple(int(n) for n in model.shape_fit_)
    if len(fitted) != 2:
        raise UnsafeArtifact("SVM shape_fit_ must be (samples, features)")
    if model.kernel == "precomputed":
        if bool(np.any((support < 0) | (support >= fitted[0]))):
            raise UnsafeArtifact("SVM support_ indexes samples it was not fitted on")
        return
    if not vectors.shape[1] == fitted[1] == features_in(model):
        raise UnsafeArtifact("SVM support vectors do not match the input width")


def _int_array(value: Any, name: str) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != np.int32 or value.ndim != 1:
        raise UnsafeArtifact(f"SVM {name} must be a 1-d int32 array")
    return value


def _float_array(value: Any, name: str, *, ndim: int) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or value.ndim != ndim:
        raise UnsafeArtifact(f"SVM {name} must be a {ndim}-d float64 array")
    return value
