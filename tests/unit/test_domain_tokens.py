"""The token format and the expiry grammar."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.tokens import (
    BOOTSTRAP_ID,
    REJECTED,
    admin_token,
    format_token,
    matches,
    parse_duration,
    token_hash,
    token_id,
    token_name,
)
from modelyard.errors import InvalidArgument, Unauthenticated

TID = "0123456789abcdef0123456789abcdef"


def fresh() -> str:
    return format_token(TID, secrets.token_urlsafe(32))


def test_format_then_token_id_round_trips() -> None:
    token = fresh()
    assert token.startswith("mdy_")
    assert token_id(token) == TID


def test_matches_only_the_hashed_token() -> None:
    token = fresh()
    assert matches(token, token_hash(token))
    assert not matches(fresh(), token_hash(token))


def test_operator_admin_token_maps_to_bootstrap_row() -> None:
    assert token_id("x" * 32) == BOOTSTRAP_ID


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "mdy_",
        "mdy_" + TID,
        "mdy_" + TID + "_short",
        "Bearer " + "a" * 40,
        "a" * 31,
        "mdy_" + "a" * 60,
        "a" * 257,
        "a" * 40 + "\n",
        None,
        b"mdy_",
    ],
)
def test_token_id_refuses_malformed(bad: object) -> None:
    with pytest.raises(Unauthenticated, match=REJECTED):
        token_id(bad)


TOKEN = fresh()


@given(st.integers(min_value=0, max_value=len(TOKEN) - 1))
def test_truncated_token_never_parses(cut: int) -> None:
    with pytest.raises(Unauthenticated, match=REJECTED):
        token_id(TOKEN[:cut])


@given(st.text(max_size=300))
def test_token_id_raises_only_unauthenticated(value: str) -> None:
    try:
        found = token_id(value)
    except Unauthenticated as exc:
        assert exc.message == REJECTED
        return
    assert found == BOOTSTRAP_ID or value == format_token(found, value[37:])


@pytest.mark.parametrize("value", ["x" * 31, "x" * 257, "a b" * 20, "mdy_" + "a" * 40, 5])
def test_admin_token_refuses_weak_or_malformed(value: object) -> None:
    with pytest.raises(InvalidArgument, match="MODELYARD_ADMIN_TOKEN"):
        admin_token(value)


def test_admin_token_accepts_long_printable_secret() -> None:
    value = secrets.token_urlsafe(32)
    assert admin_token(value) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("90d", timedelta(days=90)),
        ("2w", timedelta(weeks=2)),
        ("never", None),
    ],
)
def test_parse_duration_reads_units(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0d", "90", "d", "1y", "-1d", "1.5d", "99999w", "90D", 9])
def test_parse_duration_refuses_malformed_or_too_long(text: object) -> None:
    with pytest.raises(InvalidArgument):
        parse_duration(text)


@given(st.text(max_size=12))
def test_parse_duration_raises_only_invalid_argument(text: str) -> None:
    try:
        found = parse_duration(text)
    except InvalidArgument:
        return
    assert found is None or timedelta(0) < found <= timedelta(days=5 * 366)


@pytest.mark.parametrize("value", ["", " ci", "ci\n", "x" * 65, "a/b"])
def test_token_name_refuses_malformed(value: str) -> None:
    with pytest.raises(InvalidArgument):
        token_name(value)
