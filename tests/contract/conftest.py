"""Fixtures for the contract suites: every implementation of a port behind one fixture.

``uow_factory`` is a UnitOfWorkFactory over the fake, a SQLite file and PostgreSQL;
``store`` is a BlobStore in memory, on the local filesystem and in S3 (moto). A test that
one backend fails because of a known bug re-parametrizes the fixture with
``@pytest.mark.parametrize("uow_factory", backends(sqlite="bug: …"), indirect=True)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from modelyard.adapters.sql.migrate import upgrade
from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory, make_engine
from modelyard.service.ports import UnitOfWorkFactory
from tests.conftest import fresh_store
from tests.fakes import FakeUnitOfWorkFactory

REPO_BACKENDS = ("fake", "sqlite", "postgres")
BLOB_BACKENDS = ("memory", "local", "s3")
_EXTRA_MARKS: dict[str, list[pytest.MarkDecorator]] = {"postgres": [pytest.mark.postgres]}


def backends(names: tuple[str, ...] = REPO_BACKENDS, **bugs: str) -> list[Any]:
    """Params for an indirect fixture; ``backend="bug: …"`` marks that backend strict-xfail."""
    unknown = set(bugs) - set(names)
    assert not unknown, f"unknown backends {unknown}"
    params = []
    for name in names:
        marks = list(_EXTRA_MARKS.get(name, []))
        if name in bugs:
            marks.append(pytest.mark.xfail(strict=True, reason=bugs[name]))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def blob_backends(**bugs: str) -> list[Any]:
    return backends(BLOB_BACKENDS, **bugs)


@contextmanager
def sql_factory(url: str) -> Iterator[SqlUnitOfWorkFactory]:
    """A migrated database behind a SqlUnitOfWorkFactory; the engine is disposed after."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield SqlUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


def database_url(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    """An empty database of ``kind``: a new SQLite file, or a fresh PostgreSQL schema."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/r.db"
    assert kind == "postgres"
    url: str = request.getfixturevalue("postgres_url")
    return url


def migrated_url(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    """Like :func:`database_url`, but SQLite starts as a copy of the migrated template."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("store_template")
        return f"sqlite:///{fresh_store(template, tmp_path) / 'registry.db'}"
    return database_url(request, kind, tmp_path)


@pytest.fixture(params=backends())
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    kind: str = request.param
    if kind == "fake":
        yield FakeUnitOfWorkFactory()
        return
    with sql_factory(migrated_url(request, kind, tmp_path)) as factory:
        yield factory
