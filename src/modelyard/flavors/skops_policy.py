"""Which types a skops file may contain, decided from the names in its schema alone.

skops itself trusts every scikit-learn estimator by default, so its own report of "untrusted
types" cannot be the policy. Instead the file's ``schema.json`` is read here and every node
in it (every JSON object carrying a ``__module__``, ``__class__`` or ``__loader__``) is
checked, by name and loader, against :mod:`modelyard.flavors.allowlist`, builtin containers
and scalars, and numpy arrays, dtypes, scalars and random states. Nothing the file names is
imported while deciding: a name is trusted only if it equals the name of a type that
modelyard itself imported from a fixed list.

A name the caller passes in ``trusted_types`` is trusted too, with any loader and without
structural checks: the caller vouches for it.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Collection, Iterator
from functools import cache

import numpy as np

from modelyard.errors import InvalidArgument, UnsafeArtifact
from modelyard.flavors.allowlist import allowed_type_names

SCHEMA = "schema.json"
# The schema holds structure only (arrays are separate members); a large forest needs a few MB.
MAX_SCHEMA_BYTES = 64 * 1024 * 1024
MAX_SCHEMA_NODES = 10_000_000

_BUILTIN_TYPES = frozenset(
    f"builtins.{name}"
    for name in ("str", "int", "float", "bool", "NoneType", "list", "dict", "tuple")
)
_NUMPY_OBJECTS = frozenset(
    {"numpy.ndarray", "numpy.random.mtrand.RandomState", "numpy.random._generator.Generator"}
)
# skops node kinds that rebuild plain data or a listed class from its state. Left out on
# purpose: nodes that look up and call a function, method or operator by name
# (FunctionNode, MethodNode, OperatorFuncNode, the Reduce family) and scipy sparse matrices.
_SAFE_LOADERS = frozenset(
    {
        "ObjectNode",
        "TreeNode",
        "LossNode",
        "DictNode",
        "ListNode",
        "TupleNode",
        "JsonNode",
        "NdArrayNode",
        "DTypeNode",
        "TypeNode",
        "RandomStateNode",
        "RandomGeneratorNode",
    }
)
# A TypeNode hands out the class object itself, which only data types need to be.
_TYPE_LOADER = "TypeNode"


def trusted_names(data: bytes, extra: Collection[str] = ()) -> list[str]:
    """Return the sorted type names in the skops ``data``; UnsafeArtifact if any is refused.

    ``extra`` are names the caller trusts beyond the allowlist.
    """
    refused: set[str] = set()
    names: set[str] = set()
    for loader, name in schema_nodes(read_schema(data)):
        names.add(name)
        if name not in extra and not _node_allowed(loader, name):
            refused.add(name if loader in _SAFE_LOADERS else f"{name} (as {loader})")
    if refused:
        raise UnsafeArtifact(refusal_message(sorted(refused)))
    return sorted(names)


def refusal_message(refused: list[str]) -> str:
    return (
        f"the skops file contains types that are not on modelyard's allowlist: "
        f"{', '.join(refused)}. Only listed scikit-learn estimators (each checked "
        "structurally) and builtin and numpy data types are loaded by default"
    )


def read_schema(data: bytes) -> object:
    """The parsed ``schema.json`` of a skops archive; InvalidArgument if it is unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(SCHEMA)
            if info.file_size > MAX_SCHEMA_BYTES:
                raise InvalidArgument(f"skops {SCHEMA} is larger than {MAX_SCHEMA_BYTES} bytes")
            raw = archive.read(info)
        return json.loads(raw.decode("utf-8"))
    except (KeyError, zipfile.BadZipFile, ValueError, RecursionError, OSError) as exc:
        raise InvalidArgument(f"model_file is not a readable skops file: {exc}") from exc


def schema_nodes(schema: object) -> Iterator[tuple[str, str]]:
    """``(loader, "module.Class")`` for every JSON object naming a type, however deep."""
    stack = [schema]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_SCHEMA_NODES:
            raise InvalidArgument(f"skops schema has more than {MAX_SCHEMA_NODES} values")
        if isinstance(node, dict):
            named = _named_type(node)
            if named is not None:
                yield named
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _named_type(node: dict[str, object]) -> tuple[str, str] | None:
    module, cls, loader = node.get("__module__"), node.get("__class__"), node.get("__loader__")
    if module is None and cls is None and loader is None:
        return None
    # Anything odd (a non-string, a missing part) becomes a name that no list contains.
    return str(loader), f"{module}.{cls}"


def _node_allowed(loader: str, name: str) -> bool:
    if loader not in _SAFE_LOADERS:
        return False
    if name in _BUILTIN_TYPES or name in _numpy_types():
        return True
    return loader != _TYPE_LOADER and name in allowed_type_names()


@cache
def _numpy_types() -> frozenset[str]:
    """numpy dtype and scalar type names, from numpy's own table (numpy is imported anyway)."""
    scalars = {f"{t.__module__}.{t.__name__}" for t in set(np.sctypeDict.values())}
    dtypes = {f"{t.__module__}.{t.__name__}" for t in vars(np.dtypes).values() if _is_dtype(t)}
    return frozenset(scalars | dtypes | {"numpy.dtype"} | _NUMPY_OBJECTS)


def _is_dtype(candidate: object) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, np.dtype)
