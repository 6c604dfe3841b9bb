"""Model governance settings and approval requests on the wire."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr

from modelyard.domain.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    Change,
    ChangeKind,
    ModelSettings,
)
from modelyard.domain.stages import Stage
from modelyard.wire.common import Strict


class SettingsOut(BaseModel):
    protected_aliases: list[str]
    require_approval_production: bool
    four_eyes: bool
    request_ttl_seconds: int


class SettingsPatch(Strict):
    """A change to a model's settings; absent fields stay as they are."""

    protect: list[StrictStr] = Field(default_factory=list, max_length=64)
    unprotect: list[StrictStr] = Field(default_factory=list, max_length=64)
    require_approval_production: StrictBool | None = None
    four_eyes: StrictBool | None = None
    request_ttl_seconds: StrictInt | None = None


class DecisionIn(Strict):
    comment: StrictStr = ""


class ApprovalOut(BaseModel):
    id: str
    name: str
    kind: str
    version: int | None
    stage: str | None
    alias: str | None
    archive_existing: bool
    comment: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str


class ApprovalEnvelope(BaseModel):
    """The 202 answer of a change that became an approval request."""

    approval: ApprovalOut


class ExpiredOut(BaseModel):
    expired: int


class ApprovalList(BaseModel):
    approvals: list[ApprovalOut]
    next_page_token: str | None = None


def settings_out(s: ModelSettings) -> SettingsOut:
    return SettingsOut(
        protected_aliases=sorted(s.protected_aliases),
        require_approval_production=s.require_approval_production,
        four_eyes=s.four_eyes,
        request_ttl_seconds=int(s.request_ttl.total_seconds()),
    )


def settings_to_domain(w: SettingsOut) -> ModelSettings:
    return ModelSettings(
        protected_aliases=frozenset(w.protected_aliases),
        require_approval_production=w.require_approval_production,
        four_eyes=w.four_eyes,
        request_ttl=timedelta(seconds=w.request_ttl_seconds),
    )


def approval_out(r: ApprovalRequest) -> ApprovalOut:
    c = r.change
    return ApprovalOut(
        id=r.id,
        name=r.name,
        kind=c.kind.value,
        version=c.version,
        stage=c.stage.value if c.stage is not None else None,
        alias=c.alias,
        archive_existing=c.archive_existing,
        comment=c.comment,
        requested_by=r.requested_by,
        requested_at=r.requested_at,
        expires_at=r.expires_at,
        status=r.status.value,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        decision_comment=r.decision_comment,
    )


def approval_to_domain(w: ApprovalOut) -> ApprovalRequest:
    change = Change(
        kind=ChangeKind(w.kind),
        version=w.version,
        stage=Stage(w.stage) if w.stage is not None else None,
        alias=w.alias,
        archive_existing=w.archive_existing,
        comment=w.comment,
    )
    return ApprovalRequest(
        id=w.id,
        model_id="",
        name=w.name,
        change=change,
        requested_by=w.requested_by,
        requested_at=w.requested_at,
        expires_at=w.expires_at,
        basis="",  # the server's business: it checks the target, the client never does
        status=ApprovalStatus(w.status),
        decided_by=w.decided_by,
        decided_at=w.decided_at,
        decision_comment=w.decision_comment,
    )
