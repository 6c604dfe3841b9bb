"""The event feed: registry events after a sequence number, for runners that pull."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.service import feed
from modelyard.wire.feed import EventFeedOut, registry_event_out

router = APIRouter(prefix="/api/v1/events", responses=ERROR_RESPONSES, tags=["events"])


@router.get("", response_model=EventFeedOut)
async def read_events(
    ctx: Ctx,
    after: str = "0",
    model: str | None = None,
    types: Annotated[str | None, Query(alias="type")] = None,
    wait: str = "0",
) -> EventFeedOut:
    """Registry events with a sequence above `after`, oldest first (at most 100), of one
    `model` and of the listed `type`s (comma-separated) if given, and only of models the
    caller may read. With `wait` (seconds, at most 30) and nothing to answer yet, the
    request is held until an event arrives or the wait ends (long-poll). Pass the answer's
    `next` as `after` to read on; `after` beyond the last event is refused."""
    query = feed.feed_query(after, model, types, wait)
    page = await feed.await_events(ctx, query)
    return EventFeedOut(events=[registry_event_out(e) for e in page.events], next=page.next)
