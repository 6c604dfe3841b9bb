"""save_model and load_model over the fixed table of flavors.

The flavor name in a descriptor only selects an entry of ``FLAVORS``; no module or callable
named in a descriptor is ever imported or called.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modelyard.domain.digests import Manifest
from modelyard.errors import IntegrityError, InvalidArgument
from modelyard.flavors import onnx_flavor, pyfunc_flavor, sklearn_flavor
from modelyard.flavors.base import Flavor, LoadPolicy, Predictor
from modelyard.flavors.descriptor import (
    DESCRIPTOR,
    SavedModel,
    read_descriptor,
    write_descriptor,
)
from modelyard.flavors.paths import contained_path, require_empty_directory
from modelyard.flavors.signature import infer_signature

# Order matters for detection: the most specific flavor first.
FLAVORS: dict[str, Flavor] = {
    flavor.name: flavor
    for flavor in (sklearn_flavor.FLAVOR, onnx_flavor.FLAVOR, pyfunc_flavor.FLAVOR)
}


def save_model(
    model: Any,
    directory: Path,
    *,
    flavor: str | None = None,
    input_example: Any = None,
    serialization: str | None = None,
) -> SavedModel:
    """Save ``model`` into the existing, empty ``directory`` and write its descriptor.

    ``flavor`` is detected when None: a scikit-learn estimator is "sklearn", an
    ``onnx.ModelProto`` is "onnx", anything else with ``predict`` or that is callable is
    "python_function". ``serialization`` picks "skops" (default) or "cloudpickle" for
    sklearn. With ``input_example`` the model must predict on it, and the signature records
    the example's and the prediction's type and shape. Raises InvalidArgument for an unknown
    flavor or serialization, an unsupported model, or a model that cannot predict.
    """
    root = require_empty_directory(directory)
    chosen = _choose_flavor(model, flavor)
    form = _choose_serialization(chosen, serialization)
    if not chosen.accepts(model):
        raise InvalidArgument(f"a {type(model).__name__} cannot be saved as flavor {chosen.name!r}")
    signature = None
    if input_example is not None:
        signature = infer_signature(chosen.wrap(model), input_example)
    written = chosen.save(model, root, form)
    saved = SavedModel(
        flavor=chosen.name,
        files=(*written.files, DESCRIPTOR),
        metadata=written.metadata,
        requirements=written.requirements,
        signature=signature,
        python_version=platform.python_version(),
    )
    write_descriptor(root, saved)
    return saved


def load_model(
    directory: Path,
    *,
    allow_pickle: bool = False,
    trusted_types: Iterable[str] = (),
    manifest: Manifest | None = None,
) -> Predictor:
    """Load the model saved in ``directory``.

    The descriptor's flavor selects a loader from a fixed table. Every file name it gives
    must stay inside ``directory`` (InvalidArgument otherwise). A skops file loads only if
    every type in it is on modelyard's allowlist of scikit-learn estimators (each checked
    structurally before it is returned) or a builtin/numpy data type, or is named in
    ``trusted_types`` (loaded unchecked: the caller vouches for it); UnsafeArtifact
    otherwise. A pickle loads only with ``allow_pickle=True`` (UnsafeArtifact otherwise).
    With ``manifest`` (the verified files of a version), the descriptor and every file it
    names must be manifest entries, checked before each is read, so a file that was not
    verified is never read. The result has ``predict(X)``, ``flavor`` and ``raw`` (the
    underlying model or session).
    """
    listed = None if manifest is None else {e.path for e in manifest.entries}
    _require_listed(listed, DESCRIPTOR, "descriptor")
    saved = read_descriptor(directory)
    for name in saved.files:
        _require_listed(listed, name, "descriptor files entry")
    root = directory.resolve()
    _check_model_file(root, saved)
    policy = LoadPolicy.build(allow_pickle, trusted_types)
    return FLAVORS[saved.flavor].load(root, saved.metadata, policy)


def _require_listed(listed: set[str] | None, name: str, field: str) -> None:
    if listed is not None and name not in listed:
        raise IntegrityError(f"{field} {name!r} is not a file of the verified version")


def _choose_flavor(model: Any, name: str | None) -> Flavor:
    if name is not None:
        if name not in FLAVORS:
            raise InvalidArgument(f"unknown flavor {name!r}; expected one of {sorted(FLAVORS)}")
        return FLAVORS[name]
    for flavor in FLAVORS.values():
        if flavor.accepts(model):
            return flavor
    raise InvalidArgument(
        f"cannot save a {type(model).__name__}: it is not a scikit-learn estimator, an ONNX "
        "model, or an object with predict or a callable"
    )


def _choose_serialization(flavor: Flavor, serialization: str | None) -> str:
    if serialization is None:
        return flavor.serializations[0]
    if serialization not in flavor.serializations:
        raise InvalidArgument(
            f"serialization {serialization!r} is not available for flavor {flavor.name!r}; "
            f"expected one of {list(flavor.serializations)}"
        )
    return serialization


def _check_model_file(root: Path, saved: SavedModel) -> None:
    name = saved.metadata.get("model_file")
    if not isinstance(name, str):
        raise InvalidArgument("descriptor metadata must name a model_file")
    contained_path(root, name, field="model_file")
    if name not in saved.files or name == DESCRIPTOR:
        raise InvalidArgument(f"model_file {name!r} is not one of the descriptor's model files")
