"""Searching and paging versions across models."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.entities import ModelVersion
from modelyard.domain.paging import encode_token
from modelyard.errors import InvalidArgument, NotFound
from modelyard.service import runs, stages, versions
from modelyard.service.context import Context

Register = Callable[..., ModelVersion]


@pytest.fixture
def catalog(ctx: Context, register: Register) -> None:
    """FraudModel 1-3 (2 in Production, owner alice on 1 and 2), fraud-lite 1, Churn 1-2."""
    register("FraudModel", tags={"owner": "alice"})
    register("FraudModel", tags={"owner": "alice"})
    register("FraudModel", tags={"owner": "bob"})
    register("fraud-lite", tags={"owner": "alice"})
    register("Churn")
    register("Churn", tags={"owner": "alice"})
    stages.transition_stage(ctx, "FraudModel", 2, "Production")
    stages.transition_stage(ctx, "Churn", 1, "Production")
    stages.set_alias(ctx, "Churn", "champion", 1)


def _found(ctx: Context, text: str | None) -> list[tuple[str, int]]:
    return [(v.name, v.version) for v in versions.search_versions(ctx, text).items]


@pytest.mark.usefixtures("catalog")
def test_search_versions_orders_by_name_then_newest_first(ctx: Context) -> None:
    assert _found(ctx, None) == [
        ("Churn", 2),
        ("Churn", 1),
        ("fraud-lite", 1),
        ("FraudModel", 3),
        ("FraudModel", 2),
        ("FraudModel", 1),
    ]


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_tag_returns_tagged(ctx: Context) -> None:
    assert _found(ctx, "tags.owner = 'alice'") == [
        ("Churn", 2),
        ("fraud-lite", 1),
        ("FraudModel", 2),
        ("FraudModel", 1),
    ]


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_tag_not_equal_skips_untagged(ctx: Context) -> None:
    assert _found(ctx, "tags.owner != 'alice'") == [("FraudModel", 3)]


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_stage_returns_production(ctx: Context) -> None:
    assert _found(ctx, "stage = 'Production'") == [("Churn", 1), ("FraudModel", 2)]


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_name_like_is_case_sensitive(ctx: Context) -> None:
    assert _found(ctx, "name LIKE 'Fraud%'") == [
        ("FraudModel", 3),
        ("FraudModel", 2),
        ("FraudModel", 1),
    ]


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_name_ilike_ignores_case(ctx: Context) -> None:
    assert [n for n, _ in _found(ctx, "name ILIKE 'fraud%'")] == ["fraud-lite"] + ["FraudModel"] * 3


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_name_equal_ignores_case(ctx: Context) -> None:
    assert _found(ctx, "name = 'churn'") == [("Churn", 2), ("Churn", 1)]


@pytest.mark.usefixtures("catalog")
def test_search_versions_combined_with_and_returns_intersection(ctx: Context) -> None:
    found = _found(ctx, "name LIKE 'Fraud%' AND stage = 'Production' AND tags.owner = 'alice'")
    assert found == [("FraudModel", 2)]


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_version_number(ctx: Context) -> None:
    assert _found(ctx, "version = 3") == [("FraudModel", 3)]


@pytest.mark.usefixtures("catalog")
def test_search_versions_by_alias(ctx: Context) -> None:
    assert _found(ctx, "alias = 'champion'") == [("Churn", 1)]


def test_search_versions_by_run_id(ctx: Context, register: Register) -> None:
    run = runs.start_run(ctx, runs.RunSpec())
    register("Fraud")
    register("Fraud", run_id=run.id)
    assert _found(ctx, f"run_id = '{run.id}'") == [("Fraud", 2)]


@pytest.mark.usefixtures("catalog")
def test_search_versions_no_match_returns_empty_page(ctx: Context) -> None:
    page = versions.search_versions(ctx, "name = 'nothing'")
    assert (page.items, page.next_page_token) == ([], None)


@pytest.mark.parametrize("text", ["stage = 'Prod'", "owner = 'x'", "name = 'x' OR 1=1"])
def test_search_versions_bad_filter_raises_invalid_argument(ctx: Context, text: str) -> None:
    with pytest.raises(InvalidArgument):
        versions.search_versions(ctx, text)


def _page_through(ctx: Context, text: str | None, size: int) -> list[list[tuple[str, int]]]:
    pages, token = [], None
    while True:
        page = versions.search_versions(ctx, text, max_results=size, page_token=token)
        pages.append([(v.name, v.version) for v in page.items])
        if (token := page.next_page_token) is None:
            return pages


def test_search_versions_pages_yield_every_version_exactly_once(
    ctx: Context, register: Register
) -> None:
    for _ in range(25):
        register("Fraud")
    pages = _page_through(ctx, None, 10)
    assert [len(p) for p in pages] == [10, 10, 5]
    assert sorted(v for page in pages for _, v in page) == list(range(1, 26))


def test_search_versions_exact_multiple_has_no_empty_last_page(
    ctx: Context, register: Register
) -> None:
    for _ in range(20):
        register("Fraud")
    assert [len(p) for p in _page_through(ctx, None, 10)] == [10, 10]


def test_search_versions_pages_with_filter_yield_matches_once(
    ctx: Context, register: Register
) -> None:
    for i in range(25):
        register("Fraud", tags={"parity": "even" if i % 2 == 0 else "odd"})
    pages = _page_through(ctx, "tags.parity = 'even'", 4)
    assert sorted(v for page in pages for _, v in page) == list(range(1, 26, 2))


@pytest.mark.parametrize("size", [0, -1, 10**12, "abc", 1001])
def test_search_versions_bad_max_results_raises_invalid_argument(
    ctx: Context, size: object
) -> None:
    with pytest.raises(InvalidArgument):
        versions.search_versions(ctx, max_results=size)  # type: ignore[arg-type]


@pytest.mark.parametrize("token", ["garbled", "!!!!", "eyJvIjoxMH0", "\u202e"])
def test_search_versions_garbled_token_raises_invalid_argument(ctx: Context, token: str) -> None:
    with pytest.raises(InvalidArgument):
        versions.search_versions(ctx, max_results=10, page_token=token)


def test_search_versions_token_of_other_filter_raises_invalid_argument(
    ctx: Context, register: Register
) -> None:
    for _ in range(3):
        register("Fraud")
    token = versions.search_versions(ctx, "name = 'Fraud'", max_results=1).next_page_token
    with pytest.raises(InvalidArgument):
        versions.search_versions(ctx, "name = 'Other'", max_results=1, page_token=token)


def test_search_versions_token_of_other_page_size_raises_invalid_argument(
    ctx: Context, register: Register
) -> None:
    for _ in range(3):
        register("Fraud")
    token = versions.search_versions(ctx, max_results=1).next_page_token
    with pytest.raises(InvalidArgument):
        versions.search_versions(ctx, max_results=2, page_token=token)


def test_search_versions_token_past_the_end_returns_empty_page(
    ctx: Context, register: Register
) -> None:
    register("Fraud")
    token = encode_token(500, "versions||10")
    assert versions.search_versions(ctx, max_results=10, page_token=token).items == []


@pytest.mark.usefixtures("catalog")
def test_list_versions_returns_only_that_model(ctx: Context) -> None:
    page = versions.list_versions(ctx, "churn")
    assert [(v.name, v.version) for v in page.items] == [("Churn", 2), ("Churn", 1)]


def test_list_versions_unknown_model_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        versions.list_versions(ctx, "Nope")


@pytest.mark.usefixtures("catalog")
def test_search_versions_order_by_version_asc_returns_oldest_first(ctx: Context) -> None:
    page = versions.search_versions(ctx, "name = 'FraudModel'", order_by=["version ASC"])
    assert [v.version for v in page.items] == [1, 2, 3]


@pytest.mark.usefixtures("catalog")
def test_search_versions_order_by_created_at_desc_returns_newest_first(ctx: Context) -> None:
    page = versions.search_versions(ctx, order_by=["created_at DESC"])
    assert [(v.name, v.version) for v in page.items] == [
        ("Churn", 2),
        ("Churn", 1),
        ("fraud-lite", 1),
        ("FraudModel", 3),
        ("FraudModel", 2),
        ("FraudModel", 1),
    ]


@pytest.mark.usefixtures("catalog")
def test_search_versions_order_by_stage_follows_the_lifecycle(ctx: Context) -> None:
    page = versions.search_versions(ctx, order_by=["stage DESC"], max_results=2)
    assert [(v.name, v.version) for v in page.items] == [("Churn", 1), ("FraudModel", 2)]


@pytest.mark.usefixtures("catalog")
def test_search_versions_ordered_pages_yield_every_version_once(ctx: Context) -> None:
    expected = versions.search_versions(ctx, order_by=["version ASC"]).items
    seen, token = [], None
    while True:
        page = versions.search_versions(ctx, None, 4, token, order_by=["version ASC"])
        seen += page.items
        if (token := page.next_page_token) is None:
            break
    assert seen == expected and len(seen) == 6


@pytest.mark.usefixtures("catalog")
def test_search_versions_token_of_other_order_raises_invalid_argument(ctx: Context) -> None:
    token = versions.search_versions(ctx, max_results=1, order_by=["version ASC"]).next_page_token
    with pytest.raises(InvalidArgument, match="different query"):
        versions.search_versions(ctx, max_results=1, page_token=token, order_by=["version DESC"])


@pytest.mark.usefixtures("catalog")
def test_search_versions_explicit_default_order_accepts_default_token(ctx: Context) -> None:
    token = versions.search_versions(ctx, max_results=2).next_page_token
    page = versions.search_versions(
        ctx, max_results=2, page_token=token, order_by=["name ASC", "version DESC"]
    )
    assert [(v.name, v.version) for v in page.items] == [("fraud-lite", 1), ("FraudModel", 3)]


@pytest.mark.parametrize("order", [["run_id ASC"], ["name UP"], ["version", "version"]])
def test_search_versions_bad_order_raises_invalid_argument(ctx: Context, order: list[str]) -> None:
    with pytest.raises(InvalidArgument):
        versions.search_versions(ctx, order_by=order)
