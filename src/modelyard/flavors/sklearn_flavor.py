"""The ``sklearn`` flavor: scikit-learn estimators as skops (default) or cloudpickle files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument, UnsafeArtifact
from modelyard.flavors.base import Flavor, LoadPolicy, Predictor, Written, pinned
from modelyard.flavors.paths import read_contained, write_atomic
from modelyard.flavors.pickles import dump_pickle, load_pickle
from modelyard.flavors.skops_policy import trusted_names
from modelyard.flavors.structure_checks import check_structures

SKOPS_FILE = "model.skops"
PICKLE_FILE = "model.pkl"
# A skops file is a zip archive read into memory; these bound what its directory may declare.
MAX_SKOPS_MEMBERS = 100_000
MAX_SKOPS_UNCOMPRESSED = 2 * 1024**3


@dataclass(frozen=True)
class SklearnPredictor:
    """A loaded scikit-learn estimator."""

    raw: Any
    flavor: str = "sklearn"

    def predict(self, X: Any) -> Any:
        return self.raw.predict(X)


def accepts(model: Any) -> bool:
    from sklearn.base import BaseEstimator

    return isinstance(model, BaseEstimator)


def save(model: Any, directory: Path, serialization: str) -> Written:
    if not accepts(model):
        raise InvalidArgument(
            f"the sklearn flavor needs a scikit-learn estimator, got {type(model).__name__}"
        )
    if serialization == "cloudpickle":
        write_atomic(directory, PICKLE_FILE, dump_pickle(model))
        metadata: dict[str, Any] = {"format": "cloudpickle", "model_file": PICKLE_FILE}
        return Written((PICKLE_FILE,), metadata, pinned("scikit-learn", "numpy", "cloudpickle"))
    data = _dump_skops(model)
    trusted = _names_at_save(data)
    write_atomic(directory, SKOPS_FILE, data)
    metadata = {"format": "skops", "model_file": SKOPS_FILE, "trusted_types": trusted}
    return Written((SKOPS_FILE,), metadata, pinned("scikit-learn", "numpy", "skops"))


def load(directory: Path, metadata: Mapping[str, Any], policy: LoadPolicy) -> Predictor:
    form = metadata.get("format")
    if form == "cloudpickle":
        model = load_pickle(directory, metadata, policy.allow_pickle)
        if not accepts(model):
            raise InvalidArgument(f"model_file holds a {type(model).__name__}, not an estimator")
        return SklearnPredictor(model)
    if form != "skops":
        raise InvalidArgument(f"sklearn format must be 'skops' or 'cloudpickle', got {form!r}")
    name = metadata.get("model_file")
    if not isinstance(name, str):
        raise InvalidArgument("sklearn metadata must name a model_file")
    data = read_contained(directory, name, field="model_file")
    return SklearnPredictor(load_skops(data, policy.trusted_types))


def load_skops(data: bytes, trusted_types: Collection[str] = ()) -> Any:
    """Load skops bytes holding only allowed types (or ``trusted_types``), checked structurally.

    The types are decided from the file's schema by name before skops constructs anything;
    every listed object is then checked by its validator before the model is returned.
    """
    import skops.io

    _check_archive(data)
    try:
        trusted = trusted_names(data, trusted_types)
    except UnsafeArtifact as exc:
        raise UnsafeArtifact(
            f"{exc.message}; pass trusted_types=[...] naming them to load it anyway, "
            "only if you trust who produced the file"
        ) from exc
    try:
        model = skops.io.loads(data, trusted=trusted)
    except Exception as exc:
        raise InvalidArgument(f"model_file is not a loadable skops file: {exc}") from exc
    check_structures(model)
    return model


def _dump_skops(model: Any) -> bytes:
    import skops.io

    try:
        return bytes(skops.io.dumps(model))
    except TypeError as exc:  # skops.io.exceptions.UnsupportedTypeException is a TypeError
        raise InvalidArgument(
            f"skops cannot save this model ({exc}); use serialization='cloudpickle'"
        ) from exc


def _names_at_save(data: bytes) -> list[str]:
    # Refuse at save what a default load would refuse, so the problem shows up early.
    try:
        return trusted_names(data)
    except UnsafeArtifact as exc:
        raise InvalidArgument(
            f"{exc.message}. Save with serialization='cloudpickle' instead."
        ) from exc


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InvalidArgument(f"model_file is not a skops archive: {exc}") from exc
    if len(members) > MAX_SKOPS_MEMBERS:
        raise InvalidArgument(f"skops archive has more than {MAX_SKOPS_MEMBERS} members")
    if sum(member.file_size for member in members) > MAX_SKOPS_UNCOMPRESSED:
        raise InvalidArgument(f"skops archive expands to more than {MAX_SKOPS_UNCOMPRESSED} bytes")


FLAVOR = Flavor(
    name="sklearn",
    serializations=("skops", "cloudpickle"),
    accepts=accepts,
    wrap=SklearnPredictor,
    save=save,
    load=load,
)
