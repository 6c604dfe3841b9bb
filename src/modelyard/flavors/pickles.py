"""cloudpickle files: written freely, read only when the caller allows pickle."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument, UnsafeArtifact
from modelyard.flavors.paths import contained_path, read_contained


def dump_pickle(model: Any) -> bytes:
    import cloudpickle

    try:
        return bytes(cloudpickle.dumps(model))
    except Exception as exc:
        raise InvalidArgument(f"cloudpickle cannot serialise this model: {exc}") from exc


def load_pickle(directory: Path, metadata: Mapping[str, Any], allow_pickle: bool) -> Any:
    """Unpickle ``metadata["model_file"]``; UnsafeArtifact unless ``allow_pickle``.

    Unpickling runs whatever code the file names, so the refusal comes before the file is
    read (its name is still checked first, so a bad name is reported as such).
    """
    name = metadata.get("model_file")
    if not isinstance(name, str):
        raise InvalidArgument("pickle metadata must name a model_file")
    contained_path(directory, name, field="model_file")
    if not allow_pickle:
        raise UnsafeArtifact(
            "this model is a pickle (cloudpickle); loading it runs arbitrary code. "
            "Pass allow_pickle=True only if you trust who produced it."
        )
    data = read_contained(directory, name, field="model_file")
    import cloudpickle

    try:
        return cloudpickle.loads(data)
    except Exception as exc:
        raise InvalidArgument(f"model_file is not a loadable pickle: {exc}") from exc
