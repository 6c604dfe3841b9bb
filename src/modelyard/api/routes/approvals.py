"""Protected aliases and approvals: a model's governance settings, approval requests."""

from __future__ import annotations

from fastapi import APIRouter

from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.domain.approvals import ApprovalRequest, settings_update
from modelyard.domain.entities import Page
from modelyard.service import approvals
from modelyard.wire.approvals import (
    ApprovalList,
    ApprovalOut,
    DecisionIn,
    ExpiredOut,
    SettingsOut,
    SettingsPatch,
    approval_out,
    settings_out,
)

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, tags=["approvals"])


@router.get("/models/{name}/settings", response_model=SettingsOut)
def get_settings(name: str, ctx: Ctx) -> SettingsOut:
    """The model's protected aliases and approval requirements."""
    return settings_out(approvals.get_settings(ctx, name))


@router.patch("/models/{name}/settings", response_model=SettingsOut)
def patch_settings(name: str, body: SettingsPatch, ctx: Ctx) -> SettingsOut:
    """Protect or unprotect aliases, require approval for Production, require four eyes,
    set how long requests stay open (maintainer on the model; audited)."""
    update = settings_update(
        body.protect,
        body.unprotect,
        body.require_approval_production,
        body.four_eyes,
        body.request_ttl_seconds,
    )
    return settings_out(approvals.update_settings(ctx, name, update))


def _listed(page: Page[ApprovalRequest]) -> ApprovalList:
    return ApprovalList(
        approvals=[approval_out(r) for r in page.items], next_page_token=page.next_page_token
    )


@router.get("/approvals", response_model=ApprovalList)
def list_approvals(
    ctx: Ctx,
    model: str | None = None,
    version: str | None = None,
    status: str | None = None,
    mine: bool = False,
    max_results: str | None = None,
    page_token: str | None = None,
) -> ApprovalList:
    """Approval requests, newest first; `mine=true` for the caller's own. A pending request
    past its expiry shows as `expired`."""
    page = approvals.list_requests(ctx, model, version, status, mine, max_results, page_token)
    return _listed(page)


@router.get("/models/{name}/versions/{version}/approvals", response_model=ApprovalList)
def version_approvals(
    name: str,
    version: str,
    ctx: Ctx,
    max_results: str | None = None,
    page_token: str | None = None,
) -> ApprovalList:
    """Approval requests for one version, newest first."""
    page = approvals.list_requests(ctx, name, version, None, False, max_results, page_token)
    return _listed(page)


@router.post("/approvals/expire", response_model=ExpiredOut)
def expire_approvals(ctx: Ctx) -> ExpiredOut:
    """Record every pending request past its expiry as expired (audited); for a periodic
    job. Readers see such requests as expired already."""
    return ExpiredOut(expired=approvals.expire_requests(ctx))


@router.get("/approvals/{request_id}", response_model=ApprovalOut)
def get_approval(request_id: str, ctx: Ctx) -> ApprovalOut:
    """One approval request."""
    return approval_out(approvals.get_request(ctx, request_id))


@router.post("/approvals/{request_id}/approve", response_model=ApprovalOut)
def approve(request_id: str, ctx: Ctx, body: DecisionIn | None = None) -> ApprovalOut:
    """Approve a request and carry its change out; never one's own request (403
    SELF_APPROVAL). A stale, expired or decided request answers 409."""
    comment = body.comment if body else ""
    return approval_out(approvals.approve(ctx, request_id, comment))


@router.post("/approvals/{request_id}/reject", response_model=ApprovalOut)
def reject(request_id: str, ctx: Ctx, body: DecisionIn | None = None) -> ApprovalOut:
    """Reject a request (its requester may withdraw it the same way)."""
    comment = body.comment if body else ""
    return approval_out(approvals.reject(ctx, request_id, comment))
