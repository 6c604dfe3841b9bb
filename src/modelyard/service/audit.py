"""Reading and verifying the audit trail."""

from __future__ import annotations

from datetime import datetime

from modelyard.domain import names
from modelyard.domain.audit import GENESIS, event_hash
from modelyard.domain.entities import AuditEvent, Page
from modelyard.errors import IntegrityError, InvalidArgument
from modelyard.service.context import Context
from modelyard.service.paging import paged


def audit_trail(
    ctx: Context,
    model: str | None = None,
    since: datetime | None = None,
    max_results: int | str | None = 100,
    page_token: str | None = None,
) -> Page[AuditEvent]:
    """Audit events, oldest first, optionally for one model and after a time."""
    if model is not None:
        model = names.model_name(model)
    if since is not None and since.tzinfo is None:
        raise InvalidArgument("since must carry a timezone, e.g. 2026-01-01T00:00:00Z")
    query = f"audit|{model}|{since.isoformat() if since else ''}"
    return paged(
        ctx,
        query,
        max_results,
        page_token,
        lambda repo, offset, limit: repo.list_audit(model, since, offset, limit),
    )


def verify_chain(ctx: Context) -> int:
    """Recompute every event's hash; raise IntegrityError at the first broken link."""
    prev, count, offset = GENESIS, 0, 0
    while True:
        with ctx.uow(write=False) as uow:
            batch = uow.repo.list_audit(None, None, offset, 1000)
        for e in batch:
            target = {"model": e.model, "version": e.version}
            expected = event_hash(prev, e.seq, e.at, e.actor, e.action, target, e.before, e.after)
            if e.prev_hash != prev or e.hash != expected:
                raise IntegrityError(f"audit chain broken at event {e.seq}")
            prev, count = e.hash, count + 1
        if len(batch) < 1000:
            return count
        offset += len(batch)
