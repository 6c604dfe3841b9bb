"""The governance part of the fake repository: model settings and approval requests.

``tests/fakes.py`` attaches these methods to FakeRepository; the state lives inside the
RegistryState (``state.__dict__["approvals"]``) so a unit of work copies it with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from modelyard.domain.approvals import ApprovalRequest, ApprovalStatus, ModelSettings
from modelyard.errors import AlreadyExists, NotFound
from modelyard.service.ports import ApprovalQuery


@dataclass
class ApprovalState:
    settings: dict[str, ModelSettings] = field(default_factory=dict)
    requests: dict[str, ApprovalRequest] = field(default_factory=dict)


def _matches(r: ApprovalRequest, q: ApprovalQuery) -> bool:
    return (
        q.model_id in (None, r.model_id)
        and q.version in (None, r.change.version)
        and q.status in (None, r.status)
        and q.requested_by in (None, r.requested_by)
        and q.target in (None, r.change.target)
    )


class FakeApprovalRepository:
    state: Any  # the RegistryState of tests.fakes

    @property
    def _ap(self) -> ApprovalState:
        found: ApprovalState = self.state.__dict__.setdefault("approvals", ApprovalState())
        return found

    def _live_name(self, model_id: str) -> str | None:
        row = self.state.models.get(model_id)
        return None if row is None or row.deleted_at is not None else str(row.name)

    def get_model_settings(self, model_id: str) -> ModelSettings:
        return self._ap.settings.get(model_id, ModelSettings())

    def put_model_settings(
        self, model_id: str, settings: ModelSettings, at: datetime, by: str
    ) -> None:
        self._ap.settings[model_id] = settings

    def add_approval(self, request: ApprovalRequest) -> None:
        if request.id in self._ap.requests:
            raise AlreadyExists(f"approval request {request.id!r} already exists")
        self._ap.requests[request.id] = request

    def get_approval(self, request_id: str, *, lock: bool = False) -> ApprovalRequest:
        found = self._ap.requests.get(request_id)
        name = self._live_name(found.model_id) if found else None
        if found is None or name is None:
            raise NotFound(f"approval request {request_id!r} does not exist")
        return replace(found, name=name)

    def list_approvals(
        self, query: ApprovalQuery, offset: int, limit: int
    ) -> list[ApprovalRequest]:
        found = [
            replace(r, name=name)
            for r in self._ap.requests.values()
            if _matches(r, query)
            and (name := self._live_name(r.model_id)) is not None
            and (query.readable is None or query.readable.admits(r.model_id, name))
        ]
        found.sort(key=lambda r: (r.requested_at, r.id), reverse=True)
        return found[offset : offset + limit]

    def decide_approval(
        self, request_id: str, status: ApprovalStatus, by: str, at: datetime, comment: str
    ) -> bool:
        r = self._ap.requests[request_id]
        if r.status is not ApprovalStatus.PENDING:
            return False
        self._ap.requests[request_id] = replace(
            r, status=status, decided_by=by, decided_at=at, decision_comment=comment
        )
        return True
