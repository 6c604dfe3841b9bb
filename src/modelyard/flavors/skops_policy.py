"""Which types reported by ``skops.io.get_untrusted_types`` a load may trust.

Trusted: classes (never functions, methods or other objects) defined in scikit-learn, and
numpy dtype and scalar types. Everything else (``builtins.eval``, ``posix.system``,
``operator.attrgetter``, ``functools.partial``, a user's class, a scipy object, a function
from scikit-learn itself) is refused. The list recorded in a descriptor's metadata is never
consulted: the decision is made again from the file on every load.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

import numpy as np

# Parts of scikit-learn that a fitted model does not need and whose classes do more than hold
# state: test helpers, vendored third-party code, and callbacks (whose ``__setstate__`` opens
# a connection to an address taken from the file).
_EXCLUDED_SKLEARN_PARTS = frozenset(
    {
        "tests",
        "conftest",
        "_testing",
        "externals",
        "experimental",
        "callback",
        "_build_utils",
        "__check_build",
        "_distributor_init",
    }
)
# Only these numpy modules are looked in; both are imported with numpy itself.
_NUMPY_MODULES = frozenset({"numpy", "numpy.dtypes"})


def split_trust(type_names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Return ``(trusted, refused)``, each sorted, for the type names skops reported."""
    trusted: list[str] = []
    refused: list[str] = []
    for name in sorted(set(type_names)):
        (trusted if is_trusted(name) else refused).append(name)
    return trusted, refused


def is_trusted(name: str) -> bool:
    """True only for a scikit-learn class or a numpy dtype or scalar type."""
    parts = name.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        return False
    module_name, attribute = ".".join(parts[:-1]), parts[-1]
    if module_name in _NUMPY_MODULES:
        return _is_numpy_type(getattr(importlib.import_module(module_name), attribute, None))
    if _is_sklearn_module(module_name):
        return _is_sklearn_class(module_name, attribute)
    return False


def _is_numpy_type(candidate: object) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, (np.dtype, np.generic))


def _is_sklearn_module(module_name: str) -> bool:
    parts = module_name.split(".")
    if parts[0] != "sklearn":
        return False
    return not any(part in _EXCLUDED_SKLEARN_PARTS or part.startswith("test") for part in parts)


def _is_sklearn_class(module_name: str, attribute: str) -> bool:
    try:
        module = importlib.import_module(module_name)
    except Exception:  # any failure to import means the name is not a trustworthy class
        return False
    candidate: Any = getattr(module, attribute, None)
    if not isinstance(candidate, type):
        return False
    # The class must be defined in an allowed part of scikit-learn, not merely re-exported there.
    return _is_sklearn_module(getattr(candidate, "__module__", "") or "")
