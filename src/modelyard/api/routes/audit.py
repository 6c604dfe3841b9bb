"""The audit trail: reading, verifying the hash chain, its head, and a streamed export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from modelyard import wire
from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.domain.entities import AuditEvent
from modelyard.service import audit

router = APIRouter(prefix="/api/v1/audit", responses=ERROR_RESPONSES, tags=["audit"])


@router.get("", response_model=wire.AuditList)
def audit_trail(
    ctx: Ctx,
    model: str | None = None,
    since: datetime | None = None,
    max_results: str | None = None,
    page_token: str | None = None,
) -> wire.AuditList:
    """Who did what to which object, when, with before → after; oldest first, paged.

    `model` names the live model of that name; its trail follows it across renames. With
    no live model of that name, the trail of the one most recently deleted under it.
    """
    page = audit.audit_trail(ctx, model, since, max_results, page_token)
    return wire.AuditList(
        events=[wire.event_out(e) for e in page.items], next_page_token=page.next_page_token
    )


@router.get("/verify", response_model=wire.VerifyOut)
def verify(ctx: Ctx, expect_head: str | None = None) -> wire.VerifyOut:
    """Recompute the hash chain and name the first event that was changed, deleted,
    inserted or reordered (`ok: false`, `broken_at`, `problem`). `expect_head` (`SEQ:HASH`
    saved earlier from `/audit/head`) also catches a tail cut off with its head. Admins."""
    return wire.verify_out(audit.check_chain(ctx, expect_head))


@router.get("/head", response_model=wire.HeadOut)
def head(ctx: Ctx) -> wire.HeadOut:
    """The chain's last event as `SEQ:HASH`: save it outside the registry to detect a
    rewritten or truncated trail later."""
    return wire.head_out(audit.audit_head(ctx))


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(
    ctx: Ctx,
    since: datetime | None = None,
    model: str | None = None,
    format: Literal["jsonl"] = "jsonl",
) -> StreamingResponse:
    """Every event (or one model's, or those at or after `since`) as JSON lines, oldest
    first, with `seq`, `prev_hash` and `hash` so a SIEM can check the chain; streamed."""
    events = audit.export_audit(ctx, since, model)
    return StreamingResponse(_lines(events), media_type="application/x-ndjson")


def _lines(events: Iterator[AuditEvent]) -> Iterator[bytes]:
    for e in events:
        yield wire.event_out(e).model_dump_json().encode() + b"\n"
