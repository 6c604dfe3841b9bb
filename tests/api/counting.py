"""A counting wrapper around the real unit-of-work factory: how many units of work a
request opens, and how many of them write. It wraps our own factory; it is not a mock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from fastapi.testclient import TestClient

from modelyard.api.app import create_app
from modelyard.bootstrap import Runtime, build
from modelyard.config import Settings
from modelyard.service.ports import UnitOfWork, UnitOfWorkFactory


@dataclass
class CountingFactory:
    inner: UnitOfWorkFactory
    reads: int = 0
    writes: int = 0

    def __call__(self, *, write: bool) -> UnitOfWork:
        if write:
            self.writes += 1
        else:
            self.reads += 1
        return self.inner(write=write)

    def reset(self) -> None:
        self.reads = self.writes = 0


@dataclass(frozen=True)
class Counted:
    http: TestClient
    registry: Runtime
    units: CountingFactory


def counted_registry(home: Path, db: str | None = None) -> tuple[Runtime, CountingFactory]:
    """A real store at ``home`` (its database at ``db`` if given) whose context opens units
    of work through a counter."""
    settings = Settings(home=home, db=db, artifacts=None, cache_dir=None, uri=None, user=None)
    registry = build(settings)
    units = CountingFactory(registry.context.uow)
    return replace(registry, context=replace(registry.context, uow=units)), units


@contextmanager
def counted_server(home: Path) -> Iterator[Counted]:
    """The /api/v1 and MLflow app in-process over a counted store."""
    registry, units = counted_registry(home)
    try:
        app = create_app(registry=registry)
        with TestClient(app, raise_server_exceptions=False) as http:
            yield Counted(http, registry, units)
    finally:
        registry.close()
