"""Page sizes and opaque page tokens."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from modelyard.domain.paging import DEFAULT_PAGE, MAX_PAGE, decode_token, encode_token, page_size
from modelyard.errors import InvalidArgument

FUZZ = settings(database=None, deadline=None)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=10,
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_page_size_none_returns_default() -> None:
    assert page_size(None) == DEFAULT_PAGE


@pytest.mark.parametrize(("value", "size"), [(1, 1), (MAX_PAGE, MAX_PAGE), ("10", 10)])
def test_page_size_in_range_returns_int(value: object, size: int) -> None:
    assert page_size(value) == size


@pytest.mark.parametrize("value", [0, -1, 10**12, MAX_PAGE + 1, "abc", "", "0", True, [], {}])
def test_page_size_out_of_range_or_not_a_number_raises_invalid_argument(value: object) -> None:
    with pytest.raises(InvalidArgument):
        page_size(value)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1.5, 10.0])
def test_page_size_float_raises_invalid_argument(value: float) -> None:
    with pytest.raises(InvalidArgument):
        page_size(value)


@pytest.mark.parametrize("value", ["\u00b2", "+-5", "--5", "9" * 5000])
def test_page_size_digit_like_string_raises_invalid_argument(value: str) -> None:
    with pytest.raises(InvalidArgument):
        page_size(value)


@FUZZ
@given(st.text())
@example("\u00b2")
def test_page_size_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    try:
        size = page_size(text)
    except InvalidArgument:
        return
    assert 1 <= size <= MAX_PAGE


@pytest.mark.parametrize("token", [None, ""])
def test_decode_token_missing_starts_at_zero(token: str | None) -> None:
    assert decode_token(token, "q") == 0


@FUZZ
@given(st.integers(min_value=0, max_value=10**9), st.text())
def test_decode_token_round_trips_encode_token(offset: int, query: str) -> None:
    assert decode_token(encode_token(offset, query), query) == offset


def test_decode_token_foreign_query_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        decode_token(encode_token(10, "versions|a|10"), "versions|b|10")


@pytest.mark.parametrize(
    "token",
    [
        "!!!",
        "abc",
        "a",
        "====",
        "é",
        "\x00",
        _b64(b"not json"),
        _b64(b"\xff\xfe"),
        _b64(b"[1, 2]"),
        _b64(b'"text"'),
        _b64(b"42"),
        _b64(b'{"o": 10}'),
        _b64(b'{"q": "x"}'),
        _b64(b'{"o": -1, "q": "x"}'),
        _b64(b'{"o": true, "q": "x"}'),
        _b64(b'{"o": "10", "q": "x"}'),
        _b64(b'{"o": 1.5, "q": "x"}'),
        _b64(b'{"o": 10000000000, "q": "x"}'),
        _b64(b'{"o": 1e999, "q": "x"}'),
    ],
)
def test_decode_token_garbled_raises_invalid_argument(token: str) -> None:
    with pytest.raises(InvalidArgument):
        decode_token(token, "q")


def test_decode_token_forged_offset_for_right_query_is_refused_when_out_of_range() -> None:
    forged = encode_token(10**10, "q")
    with pytest.raises(InvalidArgument):
        decode_token(forged, "q")


def test_decode_token_deeply_nested_json_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        decode_token(_b64(b"[" * 100_000), "q")


@FUZZ
@given(st.text())
def test_decode_token_arbitrary_text_raises_only_invalid_argument(token: str) -> None:
    with contextlib.suppress(InvalidArgument):
        decode_token(token, "q")


@FUZZ
@given(JSON)
def test_decode_token_arbitrary_json_raises_only_invalid_argument(body: object) -> None:
    try:
        offset = decode_token(_b64(json.dumps(body).encode()), "q")
    except InvalidArgument:
        return
    assert 0 <= offset <= 10**9
