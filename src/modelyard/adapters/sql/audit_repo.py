"""SqlRepository's part for the hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    func,
    insert,
    select,
    true,
)

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.domain.audit import GENESIS
from modelyard.domain.entities import (
    AuditEvent,
)


class AuditRepositoryMixin(RepoBase):
    # audit -------------------------------------------------------------------------
    def audit_head(self) -> tuple[int, str]:
        q = select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
        if self.lock_rows:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return (int(row.seq), str(row.hash)) if row else (0, GENESIS)

    def add_audit(self, event: AuditEvent) -> None:
        ae = t.audit_events
        self.conn.execute(
            insert(ae).values(
                seq=event.seq,
                at=event.at,
                actor=event.actor,
                action=event.action,
                model=event.model,
                version=event.version,
                before=event.before,
                after=event.after,
                prev_hash=event.prev_hash,
                hash=event.hash,
            )
        )
        self._upsert(t.audit_head, {"id": 1}, {"seq": event.seq, "hash": event.hash})

    def list_audit(
        self, model: str | None, since: datetime | None, offset: int, limit: int
    ) -> list[AuditEvent]:
        ae = t.audit_events
        q = (
            select(ae)
            .where(
                func.lower(ae.c.model) == model.lower() if model is not None else true(),
                ae.c.at >= since if since is not None else true(),
            )
            .order_by(ae.c.seq)
            .offset(offset)
            .limit(limit)
        )
        return [
            AuditEvent(
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
            )
            for r in self.conn.execute(q)
        ]
