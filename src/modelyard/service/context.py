"""What every use case needs: storage ports, the clock, id generation and the actor."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from modelyard.domain.audit import event_hash
from modelyard.domain.entities import AuditEvent
from modelyard.service.ports import BlobStore, Clock, IdFactory, Repository, UnitOfWorkFactory


@dataclass(frozen=True)
class Context:
    uow: UnitOfWorkFactory
    blobs: BlobStore
    clock: Clock
    new_id: IdFactory
    actor: str = "anonymous"

    def as_actor(self, actor: str) -> Context:
        return replace(self, actor=actor)


def record(
    ctx: Context,
    repo: Repository,
    action: str,
    *,
    model: str | None = None,
    version: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event in the caller's unit of work, so both commit together."""
    seq, prev = repo.audit_head()
    at = ctx.clock()
    target = {"model": model, "version": version}
    digest = event_hash(prev, seq + 1, at, ctx.actor, action, target, before, after)
    event = AuditEvent(seq + 1, at, ctx.actor, action, model, version, before, after, prev, digest)
    repo.add_audit(event)
    return event
