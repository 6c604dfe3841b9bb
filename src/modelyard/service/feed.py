"""The event feed: registry events after a sequence number, for runners that pull.

Events are read from the audit trail (the trail is the outbox) and mapped by
``domain.events``; nothing is stored for the feed. A read scans a bounded window of the
trail after the cursor and answers the events in it the caller may read and asked for,
with ``next`` the last sequence scanned: a cursor moves past events filtered out, so a
runner watching one model never re-reads the rest of the trail.

Waiting (long-poll) re-reads the store every ``POLL`` seconds in a fresh short unit of
work, never holding a transaction open while it waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from modelyard.domain import names
from modelyard.domain.entities import AuditEvent
from modelyard.domain.events import RegistryEvent, event_of, event_types
from modelyard.domain.identity import ModelTarget, ReadScope
from modelyard.errors import InvalidArgument, NotFound, PermissionDenied
from modelyard.service.context import Context
from modelyard.service.permissions import read_scope, require
from modelyard.service.ports import Repository

MAX_WAIT = 30.0  # seconds a long-poll may wait; proxies commonly cut idle requests at 60
POLL = 0.25  # seconds between reads of the store while waiting
SCAN = 500  # audit entries scanned per read, whatever the filters keep
MAX_EVENTS = 100  # events answered per read
MAX_SEQ = 2**63 - 1  # a sequence number fits a signed 64-bit column


@dataclass(frozen=True)
class FeedQuery:
    """A validated request for events: after which sequence, of which model and types."""

    after: int
    model: str | None = None
    types: frozenset[str] | None = None  # None: every type
    wait: float = 0.0


@dataclass(frozen=True)
class FeedPage:
    """Events in sequence order and the cursor to ask with next (``after=next``)."""

    events: list[RegistryEvent]
    next: int


def feed_query(
    after: int | str,
    model: str | None = None,
    types: str | list[str] | tuple[str, ...] | None = None,
    wait: float | str = 0.0,
) -> FeedQuery:
    """Parse and bound a feed request; InvalidArgument names what is wrong."""
    return FeedQuery(
        _after(after),
        names.model_name(model) if model is not None else None,
        event_types(types) if types is not None else None,
        _wait(wait),
    )


def _after(value: int | str) -> int:
    try:
        after = int(value) if isinstance(value, int) else int(str(value).strip(), 10)
    except ValueError:
        raise InvalidArgument("after must be a whole number, the sequence last handled") from None
    if not 0 <= after <= MAX_SEQ:
        raise InvalidArgument(f"after must be between 0 and {MAX_SEQ}")
    return after


def _wait(value: float | str) -> float:
    try:
        wait = float(value)
    except ValueError:
        raise InvalidArgument("wait must be a number of seconds") from None
    if not 0.0 <= wait <= MAX_WAIT:  # also refuses nan
        raise InvalidArgument(f"wait must be between 0 and {MAX_WAIT:g} seconds")
    return wait


def _scope(repo: Repository, ctx: Context, model: str | None) -> tuple[ReadScope, str | None]:
    """What the caller may see, and the id of the model asked for. A model the caller may
    not read answers NotFound, like one that does not exist."""
    if model is not None:
        model_id = _model_id(repo, model)
        require(repo, ctx.caller, "feed.read_events", ModelTarget(model_id, model))
        return ReadScope(all=False, model_ids=frozenset({model_id})), model_id
    scope = read_scope(repo, ctx.caller)
    if scope.empty:
        raise PermissionDenied(f"{ctx.caller.name!r} may read no model, so no event")
    return scope, None


def _model_id(repo: Repository, name: str) -> str:
    try:
        return repo.get_model_id(name)
    except NotFound:
        return repo.get_model_id(name, deleted=True)


def _visible(e: AuditEvent, scope: ReadScope, model_id: str | None) -> bool:
    if model_id is not None:
        return e.model_id == model_id
    if e.model_id is None or e.model is None:
        return scope.all
    return scope.admits(e.model_id, e.model)


def _digest(repo: Repository, e: AuditEvent) -> str | None:
    """The manifest digest of the version an event names, while that version lives."""
    if e.model_id is None or e.version is None:
        return None
    try:
        return repo.get_version(e.model_id, e.version).manifest_digest
    except NotFound:
        return None


def read_events(ctx: Context, query: FeedQuery, *, scan: int = SCAN) -> FeedPage:
    """Events after ``query.after`` that the caller may read, oldest first, at most
    ``MAX_EVENTS`` out of the next ``scan`` audit entries; answers at once (see
    ``wait_events`` to wait for some)."""
    with ctx.uow(write=False) as uow:
        repo = uow.repo
        scope, model_id = _scope(repo, ctx, query.model)
        head, _ = repo.audit_head(lock=False)
        if query.after > head:
            # a cursor from another registry, or a store restored from an older backup:
            # waiting would never end, so say so
            raise InvalidArgument(f"after {query.after} is beyond the last event ({head})")
        batch = repo.audit_after(query.after, max(1, scan))
        found: list[RegistryEvent] = []
        cursor = query.after
        for entry in batch:
            if entry.seq <= cursor:
                continue
            cursor = entry.seq
            event = event_of(entry) if _visible(entry, scope, model_id) else None
            if event is None or (query.types is not None and event.type not in query.types):
                continue
            digest = _digest(repo, entry)
            found.append(replace(event, manifest_digest=digest) if digest else event)
            if len(found) >= MAX_EVENTS:
                break
    return FeedPage(found, cursor)


def wait_events(
    ctx: Context,
    query: FeedQuery,
    *,
    pause: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.monotonic,
) -> FeedPage:
    """Like ``read_events``, but when there is nothing yet, read again every ``POLL``
    seconds until something arrives or ``query.wait`` seconds have passed."""
    deadline = now() + query.wait
    while True:
        page = read_events(ctx, query)
        left = deadline - now()
        if page.events or left <= 0:
            return page
        query = FeedQuery(page.next, query.model, query.types, query.wait)
        pause(min(POLL, left))


async def await_events(
    ctx: Context, query: FeedQuery, *, now: Callable[[], float] = time.monotonic
) -> FeedPage:
    """``wait_events`` for an event loop: each read runs in a worker thread and the wait
    between reads holds no thread, so many waiting runners cost a server no workers."""
    deadline = now() + query.wait
    while True:
        page = await asyncio.to_thread(read_events, ctx, query)
        left = deadline - now()
        if page.events or left <= 0:
            return page
        query = FeedQuery(page.next, query.model, query.types, query.wait)
        await asyncio.sleep(min(POLL, left))
