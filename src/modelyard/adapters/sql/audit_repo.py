"""SqlRepository's part for the hash-chained audit trail and request keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, true, update
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.domain import names
from modelyard.domain.audit import GENESIS
from modelyard.domain.entities import AuditEvent
from modelyard.errors import NotFound, RequestInProgress
from modelyard.service.ports import (
    BlobReferences,
    RequestClaim,
    StoredRequest,
    StoredResponse,
)

events, head, request_keys = t.audit_events, t.audit_head, t.request_keys


class AuditRepositoryMixin(RepoBase):
    _claimed: bool = False

    # audit -------------------------------------------------------------------------
    def audit_head(self, *, lock: bool = True) -> tuple[int, str]:
        q = select(head.c.seq, head.c.hash).where(head.c.id == 1)
        if lock and self.lock_rows:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return (int(row.seq), str(row.hash)) if row else (0, GENESIS)

    def add_audit(self, event: AuditEvent) -> None:
        self.conn.execute(
            insert(events).values(
                seq=event.seq,
                at=event.at,
                actor=event.actor,
                action=event.action,
                model=event.model,
                model_id=event.model_id,
                version=event.version,
                before=event.before,
                after=event.after,
                prev_hash=event.prev_hash,
                hash=event.hash,
                hash_version=event.hash_version,
            )
        )
        self._upsert(head, {"id": 1}, {"seq": event.seq, "hash": event.hash})

    def list_audit(
        self, model_id: str | None, since: datetime | None, offset: int, limit: int
    ) -> list[AuditEvent]:
        q = (
            select(events)
            .where(
                events.c.model_id == model_id if model_id is not None else true(),
                events.c.at >= since if since is not None else true(),
            )
            .order_by(events.c.seq)
            .offset(offset)
            .limit(limit)
        )
        return [_event(r) for r in self.conn.execute(q)]

    def audit_after(self, seq: int, limit: int) -> list[AuditEvent]:
        """The events after ``seq``, oldest first: how feeds and dispatchers follow the trail."""
        ev = t.audit_events
        q = select(ev).where(ev.c.seq > seq).order_by(ev.c.seq).limit(limit)
        return [_event(r) for r in self.conn.execute(q)]

    def get_model_id(self, name: str, *, deleted: bool = False) -> str:
        models = t.registered_models
        q = select(models.c.id).where(models.c.name_key == names.name_key(name))
        if deleted:
            q = q.where(models.c.deleted_at.is_not(None)).order_by(models.c.deleted_at.desc())
        else:
            q = q.where(models.c.deleted_at.is_(None))
        found = self.conn.execute(q.limit(1)).scalar()
        if found is None:
            raise NotFound(f"model {name!r} does not exist")
        return str(found)

    # request keys ------------------------------------------------------------------
    def claim_request(self, claim: RequestClaim, expired_before: datetime) -> None:
        if self._claimed:
            return
        mine = (request_keys.c.actor == claim.actor) & (request_keys.c.key == claim.key)
        self.conn.execute(
            delete(request_keys).where(mine, request_keys.c.created_at < expired_before)
        )
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(request_keys).values(
                        actor=claim.actor,
                        key=claim.key,
                        fingerprint=claim.fingerprint,
                        attempt=claim.attempt,
                        created_at=claim.at,
                    )
                )
        except sa_exc.IntegrityError:
            taken_by = select(request_keys.c.attempt).where(mine)
            if self.conn.execute(taken_by).scalar() != claim.attempt:
                raise RequestInProgress(
                    "a request with this Idempotency-Key was already applied or is still running"
                ) from None
        self._claimed = True

    def get_request(self, actor: str, key: str) -> StoredRequest | None:
        q = select(request_keys).where(request_keys.c.actor == actor, request_keys.c.key == key)
        row = self.conn.execute(q).first()
        return _stored(row) if row is not None else None

    def complete_request(self, actor: str, key: str, response: StoredResponse) -> None:
        self.conn.execute(
            update(request_keys)
            .where(request_keys.c.actor == actor, request_keys.c.key == key)
            .values(status=response.status, content_type=response.content_type, body=response.body)
        )

    def purge_requests(self, before: datetime) -> int:
        done = self.conn.execute(delete(request_keys).where(request_keys.c.created_at < before))
        return int(done.rowcount)

    def blob_references(self, digest: str) -> BlobReferences:
        refs, versions, models = t.version_blobs, t.model_versions, t.registered_models
        live = versions.c.deleted_at.is_(None) & models.c.deleted_at.is_(None)
        q = (
            select(live.label("live"))
            .select_from(refs)
            .join(
                versions,
                (versions.c.model_id == refs.c.model_id) & (versions.c.version == refs.c.version),
            )
            .join(models, models.c.id == refs.c.model_id)
            .where(refs.c.sha256 == digest)
        )
        states = {bool(r.live) for r in self.conn.execute(q)}
        if True not in states:
            artifact = select(t.artifact_files.c.path).where(t.artifact_files.c.sha256 == digest)
            if self.conn.execute(artifact.limit(1)).first() is not None:
                states.add(True)
        return BlobReferences(live=True in states, deleted=False in states)


def _event(r: Row[Any]) -> AuditEvent:
    return AuditEvent(
        r.seq,
        r.at,
        r.actor,
        r.action,
        r.model,
        r.version,
        r.before,
        r.after,
        r.prev_hash,
        r.hash,
        r.model_id,
        r.hash_version,
    )


def _stored(r: Row[Any]) -> StoredRequest:
    response = None
    if r.status is not None:
        response = StoredResponse(r.status, r.content_type or "", bytes(r.body or b""))
    return StoredRequest(r.fingerprint, r.created_at, response)
