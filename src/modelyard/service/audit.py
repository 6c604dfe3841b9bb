"""Reading and verifying the audit trail."""

from __future__ import annotations

from datetime import datetime

from modelyard.domain import names
from modelyard.domain.audit import GENESIS, event_hash
from modelyard.domain.entities import AuditEvent, Page
from modelyard.domain.identity import ModelTarget
from modelyard.errors import IntegrityError, InvalidArgument, NotFound
from modelyard.service.context import Context, audit_target
from modelyard.service.paging import paged
from modelyard.service.permissions import require
from modelyard.service.ports import Repository

BATCH = 1000


def _model_id(repo: Repository, name: str) -> str:
    """The live model of that name; when there is none, the last one deleted under it."""
    try:
        return repo.get_model_id(name)
    except NotFound:
        return repo.get_model_id(name, deleted=True)


def audit_trail(
    ctx: Context,
    model: str | None = None,
    since: datetime | None = None,
    max_results: int | str | None = 100,
    page_token: str | None = None,
) -> Page[AuditEvent]:
    """Audit events, oldest first, optionally for one model and after a time.

    ``model`` names the model that holds the name now, and its trail follows it across
    renames; a model deleted and registered again has a trail of its own. When no live
    model has the name, the trail of the last model deleted under it is returned.
    """
    if since is not None and since.tzinfo is None:
        raise InvalidArgument("since must carry a timezone, e.g. 2026-01-01T00:00:00Z")
    model_id, target = None, None
    with ctx.uow(write=False) as uow:
        if model is not None:
            model = names.model_name(model)
            model_id = _model_id(uow.repo, model)
            target = ModelTarget(model_id, model)
        # the whole trail (users, tokens, grants, every model) needs a global grant
        require(uow.repo, ctx.caller, "audit.audit_trail", target)
    query = f"audit|{model_id}|{since.isoformat() if since else ''}"
    return paged(
        ctx,
        query,
        max_results,
        page_token,
        lambda repo, offset, limit: repo.list_audit(model_id, since, offset, limit),
    )


def _check(e: AuditEvent, prev: str, seq: int) -> None:
    target = audit_target(e.model, e.model_id, e.version, e.hash_version)
    expected = event_hash(prev, e.seq, e.at, e.actor, e.action, target, e.before, e.after)
    if e.seq != seq or e.prev_hash != prev or e.hash != expected:
        raise IntegrityError(f"audit chain broken at event {e.seq}")


def verify_chain(ctx: Context) -> int:
    """Recompute every event's hash up to the head; raise IntegrityError at the first broken
    link, or when the chain ends before the head (a truncated tail) or runs past it."""
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "audit.verify_chain")
        head_seq, head_hash = uow.repo.audit_head(lock=False)
    prev, seq, offset = GENESIS, 0, 0
    while seq < head_seq:
        with ctx.uow(write=False) as uow:
            batch = uow.repo.list_audit(None, None, offset, BATCH)
        for e in batch:
            if seq == head_seq:
                break  # appended after the head was read
            _check(e, prev, seq + 1)
            prev, seq = e.hash, e.seq
        if len(batch) < BATCH:
            break
        offset += len(batch)
    if seq != head_seq or prev != head_hash:
        raise IntegrityError(
            f"audit chain ends at event {seq} but its head records event {head_seq}"
            " (events were removed or the head was altered)"
        )
    if head_seq == 0:
        _require_empty(ctx)
    return seq


def _require_empty(ctx: Context) -> None:
    with ctx.uow(write=False) as uow:
        if uow.repo.list_audit(None, None, 0, 1):
            raise IntegrityError("audit events exist but the audit head records none")
