"""Versions from MLflow sources on SQLite and PostgreSQL: the retry window of a create."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelyard.service import models
from modelyard.service.context import Context
from modelyard.service.sources import RETRY_WINDOW, SourceRequest, create_version_from_source
from tests.api.counting import counted_registry

# the start of a retry window, so a test can place requests on either side of a boundary
START = datetime.fromtimestamp(RETRY_WINDOW.total_seconds() * 1_000_000, UTC)


@dataclass
class SetClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
def clocked(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Context, SetClock]]:
    db = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    registry, _ = counted_registry(tmp_path / "store", db)
    clock = SetClock()
    ctx = replace(registry.context, clock=clock)
    models.create_model(ctx, "Src")
    try:
        yield ctx, clock
    finally:
        registry.close()


REQUEST = SourceRequest("s3://bucket/model", description="d", tags={"k": "v"})


def test_same_create_inside_window_returns_first_version(
    clocked: tuple[Context, SetClock],
) -> None:
    ctx, clock = clocked
    first = create_version_from_source(ctx, "Src", REQUEST)
    clock.now += RETRY_WINDOW - timedelta(seconds=1)

    again = create_version_from_source(ctx, "Src", REQUEST)

    assert again.version == first.version == 1


def test_same_create_across_window_boundary_returns_first_version(
    clocked: tuple[Context, SetClock],
) -> None:
    ctx, clock = clocked
    clock.now = START - timedelta(seconds=5)
    first = create_version_from_source(ctx, "Src", REQUEST)
    clock.now = START + timedelta(seconds=5)

    assert create_version_from_source(ctx, "Src", REQUEST).version == first.version


def test_same_create_after_window_makes_second_version(
    clocked: tuple[Context, SetClock],
) -> None:
    ctx, clock = clocked
    create_version_from_source(ctx, "Src", REQUEST)
    clock.now += RETRY_WINDOW + timedelta(seconds=1)

    assert create_version_from_source(ctx, "Src", REQUEST).version == 2


def test_same_create_by_another_actor_makes_second_version(
    clocked: tuple[Context, SetClock],
) -> None:
    ctx, _ = clocked
    create_version_from_source(ctx, "Src", REQUEST)

    assert create_version_from_source(ctx.as_actor("bob"), "Src", REQUEST).version == 2
