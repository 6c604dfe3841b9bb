"""Opaque page tokens and page-size limits, the same for every list."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

from modelyard.errors import InvalidArgument

DEFAULT_PAGE = 100
MAX_PAGE = 1000
_MAX_OFFSET = 10**9


def page_size(value: object) -> int:
    """Validate ``max_results``: an integer from 1 to 1000."""
    if value is None:
        return DEFAULT_PAGE
    if isinstance(value, bool):
        raise InvalidArgument("max_results must be an integer")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]{1,12}\s*", value):
        size = int(value)
    else:
        raise InvalidArgument(f"max_results must be an integer, not {str(value)[:40]!r}")
    if not 1 <= size <= MAX_PAGE:
        raise InvalidArgument(f"max_results must be between 1 and {MAX_PAGE}")
    return size


def _query_key(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]


def encode_token(offset: int, query: str) -> str:
    """A token that resumes ``query`` at ``offset``; it is refused for any other query."""
    raw = json.dumps({"o": offset, "q": _query_key(query)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str | None, query: str) -> int:
    """The offset a token resumes at; 0 for no token. Garbled or foreign tokens are refused."""
    if not token:
        return 0
    if len(token) > 256:
        raise InvalidArgument("invalid page_token")
    try:
        padded = token + "=" * (-len(token) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        offset, qkey = body["o"], body["q"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError, RecursionError):
        raise InvalidArgument("invalid page_token") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= _MAX_OFFSET:
        raise InvalidArgument("invalid page_token")
    if qkey != _query_key(query):
        raise InvalidArgument("page_token belongs to a different query")
    return offset
