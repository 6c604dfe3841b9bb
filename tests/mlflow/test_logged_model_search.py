"""Logged-model search pages in SQL, name filter included, on a real SQLite store."""

from __future__ import annotations

from pathlib import Path

from modelyard.service import artifacts
from tests.api.counting import counted_registry


def test_search_logged_models_by_name_pages_through_matches_only(tmp_path: Path) -> None:
    registry, units = counted_registry(tmp_path / "store")
    ctx = registry.context
    wanted = {artifacts.create_logged_model(ctx, "0", "clf").id for _ in range(3)}
    for _ in range(2):
        artifacts.create_logged_model(ctx, "0", "other")
    units.reset()

    first = artifacts.search_logged_models(ctx, ["0"], "clf", max_results=2)
    second = artifacts.search_logged_models(ctx, ["0"], "clf", 2, first.next_page_token)

    registry.close()
    assert len(first.items) == 2 and first.next_page_token is not None
    assert (len(second.items), second.next_page_token) == (1, None)
    assert {m.id for m in first.items + second.items} == wanted
    assert (units.reads, units.writes) == (2, 0)
