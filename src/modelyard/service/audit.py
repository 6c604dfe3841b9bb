"""Reading, verifying and exporting the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from modelyard.domain import names
from modelyard.domain.audit import (
    GENESIS,
    ChainBroken,
    ChainReport,
    ChainWalk,
    Head,
    parse_head,
)
from modelyard.domain.entities import AuditEvent, Page
from modelyard.domain.identity import ModelTarget
from modelyard.errors import IntegrityError, InvalidArgument, NotFound
from modelyard.service.context import Context, audit_target
from modelyard.service.paging import paged
from modelyard.service.permissions import require
from modelyard.service.ports import Repository

BATCH = 1000
ROUNDS = 3  # re-reads of the head while writers keep appending during a verification


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


def _target(e: AuditEvent) -> dict[str, Any]:
    return audit_target(e.model, e.model_id, e.version, e.hash_version)


def _head(ctx: Context) -> Head:
    with ctx.uow(write=False) as uow:
        seq, digest = uow.repo.audit_head(lock=False)
    return Head(seq, digest)


def _walk_rest(ctx: Context, walk: ChainWalk, saved: Head | None) -> str | None:
    """Feed every stored event after ``walk.seq`` into the walk, a page at a time; returns
    the hash of the event at ``saved.seq`` if the walk passed it."""
    found = None
    while True:
        with ctx.uow(write=False) as uow:
            batch = uow.repo.list_audit(None, None, walk.seq, BATCH)
        for e in batch:
            walk.feed(e)
            if saved is not None and e.seq == saved.seq:
                found = e.hash
        if len(batch) < BATCH:
            return found


def _walk(ctx: Context, walk: ChainWalk, saved: Head | None) -> tuple[Head, str | None]:
    """Walk to the end and compare with the recorded head. A writer appends events and
    moves the head in one transaction, so events beyond the head read before the walk may
    be fresh appends: read the head again and go on, a bounded number of times."""
    at_saved: str | None = None
    recorded = Head(0, GENESIS)
    for _ in range(ROUNDS):
        recorded = _head(ctx)
        found = _walk_rest(ctx, walk, saved)
        at_saved = found or at_saved
        if walk.seq <= recorded.seq or _head(ctx).seq < walk.seq:
            break
    walk.end(recorded)
    return recorded, at_saved


def check_chain(ctx: Context, expect_head: str | None = None) -> ChainReport:
    """Recompute every event's hash and link, oldest first, and report the first event that
    was changed, deleted, inserted or reordered. With ``expect_head`` (``SEQ:HASH`` saved
    elsewhere earlier) a tail cut off together with the head is found too."""
    saved = parse_head(expect_head) if expect_head is not None else None
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "audit.check_chain")
    walk = ChainWalk(_target)
    try:
        recorded, at_saved = _walk(ctx, walk, saved)
        if saved is not None:
            walk.expect(saved, at_saved if saved.seq > 0 else GENESIS)
    except ChainBroken as broken:
        return ChainReport(walk.seq, _head(ctx), broken.seq, broken.reason, saved)
    return ChainReport(walk.seq, recorded, expected_head=saved)


def verify_chain(ctx: Context) -> int:
    """The number of events, once the whole chain verifies; IntegrityError naming the first
    bad event otherwise."""
    report = check_chain(ctx)
    if report.problem is not None:
        raise IntegrityError(f"audit chain broken at event {report.broken_at}: {report.problem}")
    return report.events


def audit_head(ctx: Context) -> Head:
    """The chain's current head, ``SEQ:HASH``: save it elsewhere (a ticket, another
    system's log) and pass it to ``check_chain`` later to detect a rewritten or cut tail."""
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "audit.audit_head")
        seq, digest = uow.repo.audit_head(lock=False)
    return Head(seq, digest)


def export_audit(
    ctx: Context, since: datetime | None = None, model: str | None = None, *, page: int = BATCH
) -> Iterator[AuditEvent]:
    """Every event with its hashes, oldest first, for a SIEM; optionally one model's and
    after a time. Read a page per transaction and yielded one by one, so an export of any
    size never sits in memory; it stops at the head as it was when the export began."""
    if since is not None and since.tzinfo is None:
        raise InvalidArgument("since must carry a timezone, e.g. 2026-01-01T00:00:00Z")
    with ctx.uow(write=False) as uow:
        on = None
        if model is not None:
            name = names.model_name(model)
            on = ModelTarget(_model_id(uow.repo, name), name)
        require(uow.repo, ctx.caller, "audit.export_audit", on)
        last, _ = uow.repo.audit_head(lock=False)
    return _pages(ctx, on.id if on is not None else None, since, last, max(1, page))


def _pages(
    ctx: Context, model_id: str | None, since: datetime | None, last: int, page: int
) -> Iterator[AuditEvent]:
    offset = 0
    while True:
        with ctx.uow(write=False) as uow:
            batch = uow.repo.list_audit(model_id, since, offset, page)
        for e in batch:
            if e.seq > last:
                return
            yield e
        if len(batch) < page:
            return
        offset += len(batch)
