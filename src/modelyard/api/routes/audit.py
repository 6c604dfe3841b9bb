"""The audit trail."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from modelyard import wire
from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
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
