"""Requests and responses of the HTTP transport: bodies, errors, decoding, retry policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from modelyard.domain.entities import Page
from modelyard.domain.streams import CHUNK, Readable
from modelyard.errors import InvalidArgument, ModelyardError, Unavailable, error_for_code

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
# Raised before anything was sent, so even a non-idempotent request may be sent again.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()["error"]
        err = error_for_code(str(body["code"]), str(body["message"]))
    except (ValueError, KeyError, TypeError):
        kind = Unavailable if response.status_code == 503 else ModelyardError
        err = kind(f"HTTP {response.status_code}: {response.text[:200]}")
    raise err


def request_body(build: Callable[[], M]) -> M:
    """Build a request body; a value the contract refuses is the caller's InvalidArgument."""
    try:
        return build()
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(x) for x in errors[0]["loc"]) if errors else "request"
        detail = errors[0]["msg"] if errors else "invalid"
        raise InvalidArgument(f"{where}: {detail}") from None


def decode(shape: type[M], response: httpx.Response, convert: Callable[[M], T]) -> T:
    """Parse a response; one that breaks the contract is the server's fault, not the caller's.

    An IntegrityError (a manifest digest that does not match its files) passes through.
    """
    try:
        return convert(shape.model_validate_json(response.content))
    except (ValueError, InvalidArgument) as exc:
        raise ModelyardError(f"malformed response from server: {str(exc)[:300]}") from None


def as_is(value: M) -> M:
    return value


def retryable(exc: BaseException, safe: bool) -> bool:
    if isinstance(exc, NEVER_SENT):
        return True
    return safe and isinstance(exc, httpx.TransportError | Unavailable)


def decode_page(items: list[M], convert: Callable[[M], T], token: str | None) -> Page[T]:
    try:
        return Page([convert(item) for item in items], token)
    except (ValueError, InvalidArgument) as exc:
        raise ModelyardError(f"malformed response from server: {str(exc)[:300]}") from None


def read_chunks(stream: Readable) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def rewinder(stream: Readable) -> Callable[[], None] | None:
    """A way back to the stream's current position, or None if it cannot seek."""
    seek, tell = getattr(stream, "seek", None), getattr(stream, "tell", None)
    if seek is None or tell is None:
        return None
    try:
        start = tell()
    except OSError:
        return None
    return lambda: seek(start)


def seg(value: str) -> str:
    """Percent-quote one path segment; callers pass values the domain grammar validated."""
    return quote(value, safe="@")
