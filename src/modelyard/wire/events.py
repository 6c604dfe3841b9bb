"""Stage transitions, aliases, stage history and the audit trail on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, StrictInt, StrictStr

from modelyard.domain.entities import AuditEvent, StageChange
from modelyard.domain.stages import Stage
from modelyard.wire.common import Strict


class TransitionIn(Strict):
    stage: str
    archive_existing: bool = True
    comment: str = ""


class RollbackIn(Strict):
    comment: str = ""


class AliasIn(Strict):
    version: StrictInt | StrictStr


class StageChangeOut(BaseModel):
    name: str
    version: int
    from_stage: str
    to_stage: str
    actor: str
    at: datetime
    comment: str


class HistoryOut(BaseModel):
    changes: list[StageChangeOut]


class AuditEventOut(BaseModel):
    """One audit event with everything needed to recompute its hash (the trail, the export)."""

    seq: int
    at: datetime
    actor: str
    action: str
    model: str | None
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str
    model_id: str | None = None  # the model's identity: its trail survives renames
    hash_version: int = 1  # 2: the hash covers model_id as well


class AuditList(BaseModel):
    events: list[AuditEventOut]
    next_page_token: str | None = None


def change_out(c: StageChange) -> StageChangeOut:
    return StageChangeOut(
        name=c.name,
        version=c.version,
        from_stage=c.from_stage.value,
        to_stage=c.to_stage.value,
        actor=c.actor,
        at=c.at,
        comment=c.comment,
    )


def change_to_domain(w: StageChangeOut) -> StageChange:
    return StageChange(
        w.name, w.version, Stage(w.from_stage), Stage(w.to_stage), w.actor, w.at, w.comment
    )


def event_out(e: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        action=e.action,
        model=e.model,
        version=e.version,
        before=e.before,
        after=e.after,
        prev_hash=e.prev_hash,
        hash=e.hash,
        model_id=e.model_id,
        hash_version=e.hash_version,
    )


def event_to_domain(w: AuditEventOut) -> AuditEvent:
    return AuditEvent(
        w.seq,
        w.at,
        w.actor,
        w.action,
        w.model,
        w.version,
        w.before,
        w.after,
        w.prev_hash,
        w.hash,
        w.model_id,
        w.hash_version,
    )
