"""modelyard.flavors: a genuine model of every allowed kind saves, loads and predicts the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn import dummy, ensemble, impute, linear_model, neighbors, pipeline, preprocessing, svm
from sklearn import tree as trees

from modelyard.flavors import load_model, save_model
from tests.unit.flavors.support import sample_data

Target = str  # "class" (two classes), "multi" (three), "value" (regression), "none"


def _inputs(target: Target) -> tuple[np.ndarray, np.ndarray | None]:
    X, y = sample_data()
    targets = {
        "class": y,
        "multi": np.digitize(X[:, 1], [-0.5, 0.5]),
        "value": X[:, 0] * 2.0,
        "none": None,
    }
    return X, targets[target]


def _steps(*estimators: Any) -> pipeline.Pipeline:
    return pipeline.make_pipeline(*estimators)


MODELS: dict[str, tuple[Callable[[], Any], Target]] = {
    "decision-tree": (lambda: trees.DecisionTreeClassifier(max_depth=4), "multi"),
    "extra-tree-regressor": (lambda: trees.ExtraTreeRegressor(max_depth=4), "value"),
    "random-forest": (lambda: ensemble.RandomForestClassifier(n_estimators=3), "multi"),
    "extra-trees-regressor": (lambda: ensemble.ExtraTreesRegressor(n_estimators=3), "value"),
    "gradient-boosting-binary": (
        lambda: ensemble.GradientBoostingClassifier(n_estimators=3),
        "class",
    ),
    "gradient-boosting-multi": (
        lambda: ensemble.GradientBoostingClassifier(n_estimators=3),
        "multi",
    ),
    "gradient-boosting-regressor": (
        lambda: ensemble.GradientBoostingRegressor(n_estimators=3),
        "value",
    ),
    "hist-gradient-boosting": (
        lambda: ensemble.HistGradientBoostingClassifier(max_iter=3),
        "multi",
    ),
    "hist-gradient-boosting-regressor": (
        lambda: ensemble.HistGradientBoostingRegressor(max_iter=3),
        "value",
    ),
    "kneighbors-kd-tree": (lambda: neighbors.KNeighborsClassifier(algorithm="kd_tree"), "class"),
    "kneighbors-ball-tree-minkowski": (
        lambda: neighbors.KNeighborsRegressor(algorithm="ball_tree", p=3),
        "value",
    ),
    "kneighbors-brute": (lambda: neighbors.KNeighborsClassifier(algorithm="brute"), "class"),
    "svc": (lambda: svm.SVC(), "multi"),
    "nu-svc": (lambda: svm.NuSVC(), "class"),
    "svr": (lambda: svm.SVR(), "value"),
    "nu-svr": (lambda: svm.NuSVR(), "value"),
    "one-class-svm": (lambda: svm.OneClassSVM(), "none"),
    "linear-svc": (lambda: svm.LinearSVC(), "class"),
    "logistic-regression": (lambda: linear_model.LogisticRegression(), "multi"),
    "ridge-classifier": (lambda: linear_model.RidgeClassifier(), "multi"),
    "linear-regression": (lambda: linear_model.LinearRegression(), "value"),
    "lasso": (lambda: linear_model.Lasso(), "value"),
    "elastic-net": (lambda: linear_model.ElasticNet(), "value"),
    "dummy": (lambda: dummy.DummyClassifier(), "class"),
    "scalers-pipeline": (
        lambda: _steps(
            impute.SimpleImputer(),
            preprocessing.StandardScaler(),
            preprocessing.MinMaxScaler(),
            preprocessing.MaxAbsScaler(),
            preprocessing.RobustScaler(),
            linear_model.Ridge(),
        ),
        "value",
    ),
    "encoders-pipeline": (
        lambda: _steps(
            preprocessing.OrdinalEncoder(),
            preprocessing.OneHotEncoder(handle_unknown="ignore"),
            linear_model.LogisticRegression(),
        ),
        "class",
    ),
}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_load_allowed_model_predicts_same(model_dir: Path, kind: str) -> None:
    make, target = MODELS[kind]
    X, y = _inputs(target)
    if kind == "encoders-pipeline":
        X = np.round(X)
    model = make().fit(X, y)
    save_model(model, model_dir)

    loaded = load_model(model_dir)

    assert_array_equal(loaded.predict(X), model.predict(X))
