"""The ``python_function`` flavor: any object with ``predict``, or a callable, via cloudpickle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument
from modelyard.flavors.base import Flavor, LoadPolicy, Predictor, Written, pinned
from modelyard.flavors.paths import write_atomic
from modelyard.flavors.pickles import dump_pickle, load_pickle

PICKLE_FILE = "model.pkl"


@dataclass(frozen=True)
class PyfuncPredictor:
    """A loaded Python model: calls ``raw.predict(X)``, or ``raw(X)`` for a plain callable."""

    raw: Any
    flavor: str = "python_function"

    def predict(self, X: Any) -> Any:
        if callable(getattr(self.raw, "predict", None)):
            return self.raw.predict(X)
        return self.raw(X)


def accepts(model: Any) -> bool:
    return callable(getattr(model, "predict", None)) or callable(model)


def wrap(model: Any) -> Predictor:
    if not accepts(model):
        raise InvalidArgument(
            f"a python_function model needs a predict method or must be callable, "
            f"got {type(model).__name__}"
        )
    return PyfuncPredictor(model)


def save(model: Any, directory: Path, serialization: str) -> Written:
    del serialization  # cloudpickle is the only one
    wrap(model)
    write_atomic(directory, PICKLE_FILE, dump_pickle(model))
    metadata: dict[str, Any] = {"format": "cloudpickle", "model_file": PICKLE_FILE}
    return Written((PICKLE_FILE,), metadata, pinned("cloudpickle"))


def load(directory: Path, metadata: Mapping[str, Any], policy: LoadPolicy) -> Predictor:
    form = metadata.get("format")
    if form != "cloudpickle":
        raise InvalidArgument(f"python_function format must be 'cloudpickle', got {form!r}")
    return wrap(load_pickle(directory, metadata, policy.allow_pickle))


FLAVOR = Flavor(
    name="python_function",
    serializations=("cloudpickle",),
    accepts=accepts,
    wrap=wrap,
    save=save,
    load=load,
)
