"""The credential parsers: any input gives a token or the one rejection, never a crash."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.api.auth import token_from_header, token_in_url
from modelyard.domain.tokens import REJECTED
from modelyard.errors import Unauthenticated


@given(st.text(max_size=300))
def test_any_authorization_header_gives_a_token_or_the_rejection(value: str) -> None:
    try:
        token = token_from_header(value)
    except Unauthenticated as exc:
        assert exc.message == REJECTED
    else:
        assert (token and token in value) or value.lower().lstrip().startswith("basic")


@given(st.binary(max_size=300))
def test_any_query_string_is_parsed_without_error(raw: bytes) -> None:
    assert token_in_url(raw) in (True, False)


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=80))
def test_basic_password_is_the_token_whatever_the_username(user: str, secret: str) -> None:
    raw = base64.b64encode(f"{user.replace(':', '')}:{secret}".encode()).decode()
    assert token_from_header(f"Basic {raw}") == secret


@pytest.mark.parametrize(
    ("query", "found"),
    [(b"token=x", True), (b"a=1&Access_Token=x", True), (b"max_results=2", False), (b"", False)],
)
def test_token_in_url_finds_credential_parameters(query: bytes, found: bool) -> None:
    assert token_in_url(query) is found


def test_bearer_scheme_is_case_insensitive() -> None:
    assert token_from_header("bearer abc") == "abc"
