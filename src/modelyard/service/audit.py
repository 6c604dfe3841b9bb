"""Reading and verifying the audit trail."""

from __future__ import annotations

from datetime import datetime

from modelyard.domain import names
from modelyard.domain.audit import GENESIS, event_hash
from modelyard.domain.entities import AuditEvent, Page
from modelyard.domain.paging import decode_token, encode_token, page_size
from modelyard.errors import IntegrityError, InvalidArgument
from modelyard.service.context import Context


def audit_trail(
    ctx: Context,
    model: str | None = None,
    since: datetime | None = None,
    max_results: int | None = 100,
    page_token: str | None = None,
) -> Page[AuditEvent]:
    """Audit events, oldest first, optionally for one model and after a time."""
    if model is not None:
        model = names.model_name(model)
    if since is not None and since.tzinfo is None:
        raise InvalidArgument("since must carry a timezone, e.g. 2026-01-01T00:00:00Z")
    limit = page_size(max_results)
    query = f"audit|{model}|{since.isoformat() if since else ''}|{limit}"
    offset = decode_token(page_token, query)
    with ctx.uow(write=False) as uow:
        items = uow.repo.list_audit(model, since, offset, limit + 1)
    token = encode_token(offset + limit, query) if len(items) > limit else None
    return Page(items[:limit], token)


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
