"""The scikit-learn types a skops file may contain, each with its structural validator.

A type is listed only when everything its ``predict`` (or ``transform``) follows is either
plain numpy code, whose indexing is bounds-checked, or a compiled structure that a validator
here checks before the model is handed out. The validators run on every loaded object of the
type (see :mod:`modelyard.flavors.structure_checks`).

The table names types by where modelyard imports them from; the names a skops file uses (the
defining module, e.g. ``sklearn.ensemble._forest.RandomForestClassifier``) are computed from
the imported classes, so only the modules in this table are ever imported to decide trust.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Any

from modelyard.flavors import estimator_checks as est
from modelyard.flavors import hist_checks as hist
from modelyard.flavors import neighbor_checks as nbr
from modelyard.flavors import svm_checks as svm
from modelyard.flavors import tree_checks as tree

Validator = Callable[[Any], None]

_LOSSES = (
    "HalfBinomialLoss",
    "HalfMultinomialLoss",
    "HalfSquaredError",
    "AbsoluteError",
    "PinballLoss",
    "HuberLoss",
    "HalfPoissonLoss",
    "HalfGammaLoss",
    "ExponentialLoss",
)
_LINKS = ("IdentityLink", "LogLink", "LogitLink", "HalfLogitLink", "MultinomialLogit", "Interval")

# (module imported by modelyard, class names, validator). Losses, links and the compiled
# losses are parameter holders that predict never indexes with: they get the no-op check.
TABLE: tuple[tuple[str, tuple[str, ...], Validator], ...] = (
    ("sklearn.tree._tree", ("Tree",), tree.check_tree),
    (
        "sklearn.tree",
        (
            "DecisionTreeClassifier",
            "DecisionTreeRegressor",
            "ExtraTreeClassifier",
            "ExtraTreeRegressor",
        ),
        tree.check_tree_estimator,
    ),
    (
        "sklearn.ensemble",
        (
            "RandomForestClassifier",
            "RandomForestRegressor",
            "ExtraTreesClassifier",
            "ExtraTreesRegressor",
        ),
        tree.check_forest,
    ),
    (
        "sklearn.ensemble",
        ("GradientBoostingClassifier", "GradientBoostingRegressor"),
        tree.check_gradient_boosting,
    ),
    (
        "sklearn.ensemble",
        ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor"),
        hist.check_hist_gradient_boosting,
    ),
    (
        "sklearn.ensemble._hist_gradient_boosting.predictor",
        ("TreePredictor",),
        hist.check_predictor,
    ),
    ("sklearn.ensemble._hist_gradient_boosting.binning", ("_BinMapper",), hist.check_bin_mapper),
    ("sklearn._loss.loss", _LOSSES, est.no_structure),
    ("sklearn._loss._loss", tuple(f"Cy{name}" for name in _LOSSES), est.no_structure),
    ("sklearn._loss.link", _LINKS, est.no_structure),
    ("sklearn.neighbors", ("KNeighborsClassifier", "KNeighborsRegressor"), nbr.check_kneighbors),
    ("sklearn.neighbors", ("KDTree", "BallTree"), nbr.check_binary_tree),
    (
        "sklearn.metrics._dist_metrics",
        (
            "EuclideanDistance64",
            "ManhattanDistance64",
            "ChebyshevDistance64",
            "MinkowskiDistance64",
        ),
        nbr.check_metric,
    ),
    ("sklearn.svm", ("SVC", "NuSVC", "SVR", "NuSVR", "OneClassSVM"), svm.check_libsvm),
    ("sklearn.svm", ("LinearSVC", "LinearSVR"), est.check_linear),
    (
        "sklearn.linear_model",
        ("LogisticRegression", "LinearRegression", "Ridge", "RidgeClassifier", "Lasso"),
        est.check_linear,
    ),
    ("sklearn.linear_model", ("ElasticNet",), est.check_linear),
    ("sklearn.dummy", ("DummyClassifier",), est.check_dummy),
    ("sklearn.dummy", ("DummyRegressor",), est.check_features),
    (
        "sklearn.preprocessing",
        ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "OrdinalEncoder"),
        est.check_features,
    ),
    ("sklearn.preprocessing", ("OneHotEncoder",), est.check_one_hot_encoder),
    ("sklearn.preprocessing", ("LabelEncoder", "LabelBinarizer"), est.no_structure),
    ("sklearn.impute", ("SimpleImputer",), est.check_features),
    ("sklearn.pipeline", ("Pipeline",), est.check_pipeline),
)


@cache
def validators() -> dict[type, Validator]:
    """Each listed class that exists in the installed scikit-learn, with its validator."""
    found: dict[type, Validator] = {}
    for module_name, names, validator in TABLE:
        module = importlib.import_module(module_name)
        for name in names:
            candidate = getattr(module, name, None)
            if isinstance(candidate, type):
                found[candidate] = validator
    return found


@cache
def allowed_type_names() -> frozenset[str]:
    """The names skops writes for the listed classes: ``<defining module>.<class name>``."""
    return frozenset(f"{cls.__module__}.{cls.__name__}" for cls in validators())


def missing_entries() -> list[str]:
    """Listed names that the installed scikit-learn does not define (for a test to pin)."""
    present = {(cls.__module__, cls.__name__) for cls in validators()}
    missing = []
    for module_name, names, _ in TABLE:
        module = importlib.import_module(module_name)
        for name in names:
            candidate = getattr(module, name, None)
            if not isinstance(candidate, type) or (candidate.__module__, name) not in present:
                missing.append(f"{module_name}.{name}")
    return missing
