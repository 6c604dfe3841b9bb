"""The one order grammar for registry searches: parsing, refusals and tiebreakers."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.domain.ordering import (
    MAX_ORDER_CLAUSE,
    MODEL_ORDER,
    VERSION_ORDER,
    VERSION_ORDER_FIELDS,
    OrderKey,
    model_order,
    order_text,
    version_order,
)
from modelyard.errors import InvalidArgument

FUZZ = settings(database=None, deadline=None)


def test_parse_order_none_gives_default() -> None:
    assert model_order(None) == MODEL_ORDER == (OrderKey("name"),)
    assert version_order([]) == VERSION_ORDER
    assert (OrderKey("name"), OrderKey("version", True)) == VERSION_ORDER


def test_parse_order_reads_direction_ignoring_case() -> None:
    assert version_order(["version desc", " created_at   ASC ", "STAGE"]) == (
        OrderKey("version", True),
        OrderKey("created_at"),
        OrderKey("stage"),
        OrderKey("name"),
    )


def test_parse_order_appends_default_keys_as_tiebreaker() -> None:
    assert model_order(["updated_at DESC"]) == (OrderKey("updated_at", True), OrderKey("name"))
    assert version_order(["name DESC"]) == (OrderKey("name", True), OrderKey("version", True))
    assert version_order(["version ASC"]) == (OrderKey("version"), OrderKey("name"))


def test_parse_order_of_default_equals_default() -> None:
    assert version_order(["name ASC", "version DESC"]) == VERSION_ORDER
    assert model_order(["name"]) == MODEL_ORDER


@pytest.mark.parametrize(
    "clause", ["stage ASC", "version DESC", "run_id", "tags DESC", "description DESC"]
)
def test_parse_model_order_unknown_field_raises_invalid_argument(clause: str) -> None:
    with pytest.raises(InvalidArgument, match="cannot order by"):
        model_order([clause])


@pytest.mark.parametrize(
    "clause", ["", "name UP", "name ASC DESC", "name, version", "name;DROP", "1 ASC"]
)
def test_parse_order_malformed_clause_raises_invalid_argument(clause: str) -> None:
    with pytest.raises(InvalidArgument):
        version_order([clause])


def test_parse_order_repeated_field_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match="twice"):
        version_order(["name ASC", "NAME DESC"])


def test_parse_order_overlong_clause_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        version_order(["name" + " " * MAX_ORDER_CLAUSE + "ASC"])


def test_order_text_is_canonical() -> None:
    assert order_text(version_order(["created_at desc"])) == (
        "created_at DESC, name ASC, version DESC"
    )


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(sorted(VERSION_ORDER_FIELDS)), st.booleans())))
def test_parse_order_round_trips_and_is_total(keys: list[tuple[str, bool]]) -> None:
    unique = list(dict(keys).items())
    order = version_order([f"{f} {'DESC' if d else 'ASC'}" for f, d in unique])
    assert order[: len(unique)] == tuple(OrderKey(f, d) for f, d in unique)
    assert {"name", "version"} <= {key.field for key in order}
    assert version_order(order_text(order).split(", ")) == order


@FUZZ
@given(st.lists(st.text(max_size=80), max_size=4))
def test_parse_order_never_raises_anything_but_invalid_argument(items: list[str]) -> None:
    with contextlib.suppress(InvalidArgument):
        version_order(items)
