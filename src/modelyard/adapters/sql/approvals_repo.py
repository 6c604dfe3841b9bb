"""SqlRepository's part for governance: model settings and approval requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, insert, select, true, update

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.adapters.sql.identity_repo import readable_where
from modelyard.domain.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    Change,
    ChangeKind,
    ModelSettings,
)
from modelyard.domain.stages import Stage
from modelyard.errors import NotFound
from modelyard.service.ports import ApprovalQuery

_s, _a, _m = t.model_settings, t.approval_requests, t.registered_models


def _request(r: Row[Any]) -> ApprovalRequest:
    change = Change(
        kind=ChangeKind(r.kind),
        version=r.version,
        stage=Stage(r.stage) if r.stage is not None else None,
        alias=r.alias,
        archive_existing=bool(r.archive_existing),
        comment=r.comment,
    )
    return ApprovalRequest(
        id=r.id,
        model_id=r.model_id,
        name=r.model_name,
        change=change,
        requested_by=r.requested_by,
        requested_at=r.requested_at,
        expires_at=r.expires_at,
        basis=r.basis,
        status=ApprovalStatus(r.status),
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        decision_comment=r.decision_comment,
    )


def _where(query: ApprovalQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [_m.c.deleted_at.is_(None)]
    if query.model_id is not None:
        conds.append(_a.c.model_id == query.model_id)
    if query.version is not None:
        conds.append(_a.c.version == query.version)
    if query.status is not None:
        conds.append(_a.c.status == query.status.value)
    if query.requested_by is not None:
        conds.append(_a.c.requested_by == query.requested_by)
    if query.target is not None:
        conds.append(_a.c.target == query.target)
    if query.readable is not None:
        conds.append(readable_where(query.readable))
    return conds


class ApprovalRepositoryMixin(RepoBase):
    def get_model_settings(self, model_id: str) -> ModelSettings:
        row = self.conn.execute(select(_s).where(_s.c.model_id == model_id)).first()
        if row is None:
            return ModelSettings()
        return ModelSettings(
            protected_aliases=frozenset(row.protected_aliases),
            require_approval_production=bool(row.require_approval_production),
            four_eyes=bool(row.four_eyes),
            request_ttl=timedelta(seconds=row.request_ttl_seconds),
        )

    def put_model_settings(
        self, model_id: str, settings: ModelSettings, at: datetime, by: str
    ) -> None:
        values = {
            "protected_aliases": sorted(settings.protected_aliases),
            "require_approval_production": settings.require_approval_production,
            "four_eyes": settings.four_eyes,
            "request_ttl_seconds": int(settings.request_ttl.total_seconds()),
            "updated_at": at,
            "updated_by": by,
        }
        self._upsert(_s, {"model_id": model_id}, values)

    def add_approval(self, request: ApprovalRequest) -> None:
        c = request.change
        with self._unique(f"approval request {request.id!r}"):
            self.conn.execute(
                insert(_a).values(
                    id=request.id,
                    model_id=request.model_id,
                    kind=c.kind.value,
                    version=c.version,
                    stage=c.stage.value if c.stage is not None else None,
                    alias=c.alias,
                    archive_existing=c.archive_existing,
                    comment=c.comment,
                    target=c.target,
                    requested_by=request.requested_by,
                    requested_at=request.requested_at,
                    expires_at=request.expires_at,
                    basis=request.basis,
                    status=request.status.value,
                    decided_by=request.decided_by,
                    decided_at=request.decided_at,
                    decision_comment=request.decision_comment,
                )
            )

    def _select(self) -> Any:
        return select(_a, _m.c.name.label("model_name")).join(_m, _m.c.id == _a.c.model_id)

    def get_approval(self, request_id: str, *, lock: bool = False) -> ApprovalRequest:
        q = self._select().where(_a.c.id == request_id, _m.c.deleted_at.is_(None))
        if lock and self.lock_rows:
            q = q.with_for_update(of=_a)
        row = self.conn.execute(q).first()
        if row is None:
            raise NotFound(f"approval request {request_id!r} does not exist")
        return _request(row)

    def list_approvals(
        self, query: ApprovalQuery, offset: int, limit: int
    ) -> list[ApprovalRequest]:
        q = (
            self._select()
            .where(true(), *_where(query))
            .order_by(_a.c.requested_at.desc(), _a.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_request(r) for r in self.conn.execute(q)]

    def decide_approval(
        self, request_id: str, status: ApprovalStatus, by: str, at: datetime, comment: str
    ) -> bool:
        q = update(_a).where(_a.c.id == request_id, _a.c.status == ApprovalStatus.PENDING.value)
        values = {
            "status": status.value,
            "decided_by": by,
            "decided_at": at,
            "decision_comment": comment,
        }
        return bool(self.conn.execute(q.values(**values)).rowcount)
