"""One paging routine for every list: fetch one extra row to know whether a page follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from modelyard.domain.entities import Page
from modelyard.domain.ordering import Order, order_text
from modelyard.domain.paging import decode_token, encode_token, page_size
from modelyard.service.context import Context
from modelyard.service.ports import Repository

T = TypeVar("T")


def search_query(kind: str, filter: str | None, order: Order, default: Order) -> str:
    """The query a page token binds to: the filter and, unless it is the default, the order.

    The default order adds nothing, so tokens of the default order keep their old key.
    """
    if order == default:
        return f"{kind}|{filter or ''}"
    return f"{kind}[{order_text(order)}]|{filter or ''}"


def paged(
    ctx: Context,
    query: str,
    max_results: int | str | None,
    page_token: str | None,
    fetch: Callable[[Repository, int, int], list[T]],
) -> Page[T]:
    """Run ``fetch(repo, offset, limit)`` for the page a token names; the token binds to
    ``query`` (a key of the filter and page size), so it cannot resume another query."""
    limit = page_size(max_results)
    key = f"{query}|{limit}"
    offset = decode_token(page_token, key)
    with ctx.uow(write=False) as uow:
        items = fetch(uow.repo, offset, limit + 1)
    token = encode_token(offset + limit, key) if len(items) > limit else None
    return Page(items[:limit], token)
