"""The fake repository's parts for the audit trail, request keys and blob references;
a base of ``FakeRepository``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from modelyard.domain.entities import (
    AuditEvent,
)
from modelyard.errors import (
    Conflict,
    RequestInProgress,
)
from modelyard.service.ports import (
    BlobReferences,
    RequestClaim,
    StoredRequest,
    StoredResponse,
)

if TYPE_CHECKING:
    from tests.fakes import RegistryState


class FakeAuditRepository:
    state: RegistryState
    _claimed: bool

    # audit -------------------------------------------------------------------------
    def audit_head(self, *, lock: bool = True) -> tuple[int, str]:
        return self.state.head

    def add_audit(self, event: AuditEvent) -> None:
        seq, prev = self.audit_head()
        if event.seq != seq + 1 or event.prev_hash != prev:
            raise Conflict(f"audit event {event.seq} does not follow {seq}")
        self.state.audit.append(replace(event, at=event.at.astimezone(UTC)))
        self.state.head = (event.seq, event.hash)

    def audit_after(self, seq: int, limit: int) -> list[AuditEvent]:
        found: list[AuditEvent] = sorted(
            (e for e in self.state.audit if e.seq > seq), key=lambda e: e.seq
        )
        return found[:limit]

    def list_audit(
        self, model_id: str | None, since: datetime | None, offset: int, limit: int
    ) -> list[AuditEvent]:
        found = [
            e
            for e in self.state.audit
            if (model_id is None or e.model_id == model_id) and (since is None or e.at >= since)
        ]
        return sorted(found, key=lambda e: e.seq)[offset : offset + limit]

    # request keys and blob references ----------------------------------------------
    def claim_request(self, claim: RequestClaim, expired_before: datetime) -> None:
        if self._claimed:
            return
        old = self.state.requests.get((claim.actor, claim.key))
        if old is None or old.created_at < expired_before:
            stored = StoredRequest(claim.fingerprint, claim.at, None)
            self.state.requests[(claim.actor, claim.key)] = stored
            self.state.attempts[(claim.actor, claim.key)] = claim.attempt
        elif self.state.attempts.get((claim.actor, claim.key)) != claim.attempt:
            raise RequestInProgress("a request with this Idempotency-Key was already applied")
        self._claimed = True

    def get_request(self, actor: str, key: str) -> StoredRequest | None:
        return self.state.requests.get((actor, key))

    def complete_request(self, actor: str, key: str, response: StoredResponse) -> None:
        old = self.state.requests.get((actor, key))
        if old is not None:
            self.state.requests[(actor, key)] = replace(old, response=response)

    def purge_requests(self, before: datetime) -> int:
        old = [k for k, r in self.state.requests.items() if r.created_at < before]
        for k in old:
            del self.state.requests[k]
        return len(old)

    def blob_references(self, digest: str) -> BlobReferences:
        states = set()
        for key, v in self.state.versions.items():
            if digest in v.manifest.blob_digests():
                model_live = self.state.models[key[0]].deleted_at is None
                states.add(model_live and key not in self.state.deleted_versions)
        artifacts = self.state.__dict__.get("mlflow")
        if artifacts is not None and any(a.sha256 == digest for a in artifacts.artifacts.values()):
            states.add(True)
        return BlobReferences(live=True in states, deleted=False in states)
