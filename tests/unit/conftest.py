"""Fixtures for unit tests: the service wired to in-memory fakes of our own ports."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.entities import ModelVersion
from modelyard.service import versions
from modelyard.service.context import Context
from tests.fakes import FakeUnitOfWorkFactory, MemoryBlobStore, make_context, new_version


@pytest.fixture
def ctx() -> Context:
    return make_context(actor="alice")


@pytest.fixture
def store(ctx: Context) -> FakeUnitOfWorkFactory:
    """The committed registry state behind ``ctx``."""
    assert isinstance(ctx.uow, FakeUnitOfWorkFactory)
    return ctx.uow


@pytest.fixture
def blobs(ctx: Context) -> MemoryBlobStore:
    assert isinstance(ctx.blobs, MemoryBlobStore)
    return ctx.blobs


@pytest.fixture
def register(ctx: Context, blobs: MemoryBlobStore) -> Callable[..., ModelVersion]:
    """``register(name, content=…, **NewVersion fields)`` creates a version with stored blobs."""

    def _register(
        name: str = "Fraud", content: bytes = b"weights", **fields: object
    ) -> ModelVersion:
        return versions.create_version(ctx, name, new_version(blobs, content, **fields))

    return _register
