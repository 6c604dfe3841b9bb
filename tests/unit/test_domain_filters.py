"""The one filter grammar and the comparison semantics every repository shares."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.domain.filters import (
    MAX_CLAUSES,
    MAX_FILTER,
    MODEL_FIELDS,
    Clause,
    Filter,
    match_value,
    parse_filter,
)
from modelyard.errors import InvalidArgument

FUZZ = settings(database=None, deadline=None)
FILTERISH = st.lists(
    st.sampled_from(
        [*"nametgsvriol_.`=!'\"\\ %-09", " AND ", "LIKE", "ILIKE", "tags.", "version", "stage"]
    ),
    max_size=30,
).map("".join)


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_parse_filter_empty_matches_everything(text: str | None) -> None:
    assert parse_filter(text) == Filter()


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("tags.owner = 'alice'", Clause("tag", "=", "alice", "owner")),
        ("tags.`team owner` != 'bob'", Clause("tag", "!=", "bob", "team owner")),
        ("name = 'Fraud'", Clause("name", "=", "Fraud")),
        ('name = "Fraud"', Clause("name", "=", "Fraud")),
        ("NAME like 'Fraud%'", Clause("name", "LIKE", "Fraud%")),
        ("name ILIKE '%fraud%'", Clause("name", "ILIKE", "%fraud%")),
        ("stage = 'Production'", Clause("stage", "=", "Production")),
        ("stage = 'production'", Clause("stage", "=", "Production")),
        ("version = 3", Clause("version", "=", 3)),
        ("version != '3'", Clause("version", "!=", 3)),
        ("run_id = 'abc'", Clause("run_id", "=", "abc")),
        ("alias = 'champion'", Clause("alias", "=", "champion")),
        (r"name = 'O\'Brien'", Clause("name", "=", "O'Brien")),
        ("name='x'", Clause("name", "=", "x")),
    ],
)
def test_parse_filter_single_clause_returns_it(text: str, clause: Clause) -> None:
    assert parse_filter(text) == Filter((clause,))


def test_parse_filter_and_joins_clauses_in_order() -> None:
    flt = parse_filter("name LIKE 'Fraud%' and stage = 'Production' AND tags.owner = 'alice'")
    assert [c.field for c in flt.clauses] == ["name", "stage", "tag"]


@pytest.mark.parametrize(
    "text",
    [
        "stage = 'Prod'",
        "version LIKE '1%'",
        "version = 0",
        "version = -1",
        "version = '01'",
        "version = 99999999999999999999",
        "name = 5",
        "foo = 'x'",
        "name = 'x' AND",
        "AND name = 'x'",
        "name = 'x' OR name = 'y'",
        "name = 'x'AND stage = 'None'",
        "name == 'x'",
        "name = 'x",
        "name = x",
        "name 'x'",
        "tags.` a` = 'x'",
        "tags.`` = 'x'",
        "name = 'x'; DROP TABLE models",
        "name = 'x' -- comment",
    ],
)
def test_parse_filter_malformed_raises_invalid_argument(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_filter(text)


def test_parse_filter_tags_without_key_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        parse_filter("tags = 'x'")


def test_parse_filter_field_not_allowed_for_models_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        parse_filter("stage = 'Production'", MODEL_FIELDS)


def test_parse_filter_too_long_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        parse_filter("name = '" + "x" * MAX_FILTER + "'")


def test_parse_filter_too_many_clauses_raises_invalid_argument() -> None:
    text = " AND ".join(["name = 'x'"] * (MAX_CLAUSES + 1))
    with pytest.raises(InvalidArgument):
        parse_filter(text)


def test_parse_filter_max_clauses_is_accepted() -> None:
    text = " AND ".join(["name = 'x'"] * MAX_CLAUSES)
    assert len(parse_filter(text).clauses) == MAX_CLAUSES


@FUZZ
@given(st.text())
def test_parse_filter_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    with contextlib.suppress(InvalidArgument):
        parse_filter(text)


@FUZZ
@given(FILTERISH)
def test_parse_filter_filter_like_text_raises_only_invalid_argument(text: str) -> None:
    try:
        flt = parse_filter(text)
    except InvalidArgument:
        return
    assert all(c.op in ("=", "!=", "LIKE", "ILIKE") for c in flt.clauses)


@FUZZ
@given(st.text(alphabet=st.characters(exclude_characters="'\\"), max_size=50))
def test_parse_filter_quoted_tag_value_round_trips(value: str) -> None:
    assert parse_filter(f"tags.owner = '{value}'").clauses[0].value == value


def test_match_value_missing_actual_matches_nothing() -> None:
    assert not match_value("!=", None, "x")


@pytest.mark.parametrize(
    ("op", "actual", "expected", "result"),
    [
        ("=", "a", "a", True),
        ("=", "a", "A", False),
        ("!=", "a", "b", True),
        ("=", 3, 3, True),
        ("!=", 3, 3, False),
        ("LIKE", "FraudModel", "Fraud%", True),
        ("LIKE", "fraudmodel", "Fraud%", False),
        ("ILIKE", "fraudmodel", "Fraud%", True),
        ("LIKE", "ab", "a_", True),
        ("LIKE", "abc", "a_", False),
        ("LIKE", "axb", "a.b", False),
        ("LIKE", "a.b", "a.b", True),
        ("LIKE", "a\nb", "a%", True),
        ("LIKE", "x(y", "x(%", True),
    ],
)
def test_match_value_compares_like_sql(
    op: str, actual: str | int, expected: str | int, result: bool
) -> None:
    assert match_value(op, actual, expected) is result  # type: ignore[arg-type]


@FUZZ
@given(st.text(alphabet=st.characters(exclude_characters="%_")))
def test_match_value_like_without_wildcards_matches_only_itself(text: str) -> None:
    assert match_value("LIKE", text, text)
    assert not match_value("LIKE", text + "x", text)
