"""The event feed on the wire: ``GET /api/v1/events`` answers a page of registry events
and the cursor to ask with next."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from modelyard.domain.events import RegistryEvent


class RegistryEventOut(BaseModel):
    """One registry event; the same fields a webhook body carries (``payload()``)."""

    seq: int
    type: str
    at: datetime
    actor: str
    model: str | None
    model_id: str | None
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    manifest_digest: str | None


class EventFeedOut(BaseModel):
    """Events oldest first, and ``next``: pass it as ``after`` to read on. ``next`` moves
    past events the filters left out, so it can grow while ``events`` stays empty."""

    events: list[RegistryEventOut]
    next: int


def registry_event_out(e: RegistryEvent) -> RegistryEventOut:
    return RegistryEventOut.model_validate(e.payload())


def registry_event_to_domain(w: RegistryEventOut) -> RegistryEvent:
    return RegistryEvent(
        w.seq,
        w.type,
        w.at,
        w.actor,
        w.model,
        w.model_id,
        w.version,
        w.before,
        w.after,
        w.manifest_digest,
    )
