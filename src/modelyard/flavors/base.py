"""Types shared by the flavor modules: the Predictor protocol and the Flavor record."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from modelyard.errors import InvalidArgument


@runtime_checkable
class Predictor(Protocol):
    """A loaded model: ``predict(X)``, plus the flavor name and the underlying object."""

    def predict(self, X: Any) -> Any: ...

    @property
    def flavor(self) -> str: ...

    @property
    def raw(self) -> Any: ...


@dataclass(frozen=True)
class Written:
    """What a flavor's saver wrote: file names, flavor metadata and pinned requirements."""

    files: tuple[str, ...]
    metadata: dict[str, Any]
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class LoadPolicy:
    """What a load may do beyond the safe default.

    ``allow_pickle`` lets pickle files load (they run code the file chooses);
    ``trusted_types`` names skops types to load even though they are not on the allowlist,
    without structural checks.
    """

    allow_pickle: bool = False
    trusted_types: frozenset[str] = frozenset()

    @classmethod
    def build(cls, allow_pickle: bool, trusted_types: Iterable[str]) -> LoadPolicy:
        """Validate the caller's arguments; a bare string would otherwise become its letters."""
        names = [] if isinstance(trusted_types, str) else list(trusted_types)
        if isinstance(trusted_types, str) or not all(isinstance(n, str) for n in names):
            raise InvalidArgument("trusted_types must be a list of type names, e.g. ['pkg.Cls']")
        return cls(bool(allow_pickle), frozenset(names))


@dataclass(frozen=True)
class Flavor:
    """One entry of the fixed flavor table.

    ``accepts`` says whether a model belongs to this flavor; ``wrap`` gives an in-memory model
    the Predictor interface (used to check an input example); ``save`` writes the model files
    for one of ``serializations`` (the first is the default); ``load`` reads them back, given
    the descriptor's metadata and the caller's LoadPolicy.
    """

    name: str
    serializations: tuple[str, ...]
    accepts: Callable[[Any], bool]
    wrap: Callable[[Any], Predictor]
    save: Callable[[Any, Path, str], Written]
    load: Callable[[Path, Mapping[str, Any], LoadPolicy], Predictor]


def pinned(*distributions: str) -> tuple[str, ...]:
    """``name==version`` for each installed distribution; ones not installed are left out."""
    pins = []
    for name in distributions:
        try:
            pins.append(f"{name}=={importlib_metadata.version(name)}")
        except importlib_metadata.PackageNotFoundError:
            continue
    return tuple(pins)
