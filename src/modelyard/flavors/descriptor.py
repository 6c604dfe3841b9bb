"""The descriptor file of a saved model: ``modelyard-model.json``.

It records the flavor, the files written, flavor metadata, pinned requirements, the signature
and the Python version. Reading it validates every field; unknown top-level keys (such as a
``loader`` naming a module) are ignored and never acted on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import InvalidArgument
from modelyard.flavors.paths import contained_path, read_contained, write_atomic

DESCRIPTOR = "modelyard-model.json"
FORMAT_VERSION = 1
FLAVOR_NAMES = ("sklearn", "python_function", "onnx")
MAX_DESCRIPTOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SavedModel:
    """What a saved model directory holds, as recorded in its descriptor."""

    flavor: str
    files: tuple[str, ...]
    metadata: dict[str, Any]
    requirements: tuple[str, ...]
    signature: dict[str, Any] | None
    python_version: str


def write_descriptor(directory: Path, saved: SavedModel) -> None:
    """Write the descriptor last, so a directory with one holds a complete model."""
    document = {
        "format_version": FORMAT_VERSION,
        "flavor": saved.flavor,
        "files": list(saved.files),
        "metadata": saved.metadata,
        "requirements": list(saved.requirements),
        "signature": saved.signature,
        "python_version": saved.python_version,
    }
    text = json.dumps(document, indent=2, sort_keys=True, allow_nan=False)
    write_atomic(directory, DESCRIPTOR, text.encode("utf-8") + b"\n")


def read_descriptor(directory: Path) -> SavedModel:
    """Parse and validate the descriptor in ``directory``.

    Raises NotFound if there is none, and InvalidArgument if it is not valid JSON, names an
    unknown flavor, lists a file outside ``directory``, or has a field of the wrong type.
    """
    raw = read_contained(directory, DESCRIPTOR, field="descriptor", max_bytes=MAX_DESCRIPTOR_BYTES)
    document = _parse_json(raw)
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise InvalidArgument(f"descriptor format_version {version!r} is not supported")
    flavor = document.get("flavor")
    if flavor not in FLAVOR_NAMES:
        raise InvalidArgument(f"unknown flavor {flavor!r}; expected one of {FLAVOR_NAMES}")
    return SavedModel(
        flavor=flavor,
        files=_files(directory, document.get("files")),
        metadata=_object(document.get("metadata"), field="metadata"),
        requirements=_strings(document.get("requirements"), field="requirements"),
        signature=_signature(document.get("signature")),
        python_version=_string(document.get("python_version"), field="python_version"),
    )


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as exc:
        raise InvalidArgument(f"descriptor is not valid JSON: {exc}") from exc
    return _object(document, field="descriptor")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r}")
        document[key] = value
    return document


def _files(directory: Path, value: object) -> tuple[str, ...]:
    names = _strings(value, field="files")
    for name in names:
        contained_path(directory, name, field="files entry")
    if DESCRIPTOR not in names:
        raise InvalidArgument(f"descriptor files must list {DESCRIPTOR}")
    if len(set(names)) != len(names):
        raise InvalidArgument("descriptor files lists a name twice")
    return names


def _object(value: object, *, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"{field} must be a JSON object, got {type(value).__name__}")
    return value


def _string(value: object, *, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a string, got {type(value).__name__}")
    return value


def _strings(value: object, *, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidArgument(f"{field} must be a list of strings")
    return tuple(value)


def _signature(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    signature = _object(value, field="signature")
    for key in ("inputs", "outputs"):
        entries = signature.get(key)
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise InvalidArgument(f"signature {key} must be a list of objects")
    return signature
