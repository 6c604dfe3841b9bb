"""What every use case needs: storage ports, the clock, id generation and the actor."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from modelyard.domain.audit import event_hash
from modelyard.domain.entities import AuditEvent, RegisteredModel
from modelyard.domain.identity import Principal
from modelyard.service.ports import (
    BlobStore,
    Clock,
    IdFactory,
    Repository,
    RequestClaim,
    UnitOfWorkFactory,
)

# how long an Idempotency-Key is remembered; a retry later than this runs the request again
REQUEST_KEY_TTL = timedelta(hours=24)
HASH_VERSION = 2


@dataclass(frozen=True)
class RequestKey:
    """The client's Idempotency-Key for this request and a hash of the request it came with."""

    key: str
    fingerprint: str
    attempt: str  # this delivery of the request: a retry has another


@dataclass(frozen=True)
class Context:
    uow: UnitOfWorkFactory
    blobs: BlobStore
    clock: Clock
    new_id: IdFactory
    actor: str = "anonymous"
    request_key: RequestKey | None = None
    # who is calling; None is the embedded store or a server with auth off: the local user
    # (``actor``) with full rights
    principal: Principal | None = None

    @property
    def caller(self) -> Principal:
        """The principal every permission check asks about."""
        return self.principal if self.principal is not None else Principal.local(self.actor)

    def as_actor(self, actor: str) -> Context:
        """This context acting under another name; an authenticated context keeps its
        principal's name, so nothing downstream can claim to be someone else."""
        if self.principal is not None:
            return self
        return replace(self, actor=actor)

    @property
    def audit_actor(self) -> str:
        """Who an audit event names: the actor, and the token it presented, if any (a space
        never occurs in a principal's name, so ``name token:<id>`` splits unambiguously)."""
        token = self.principal.token_id if self.principal is not None else None
        return f"{self.actor} token:{token}" if token else self.actor

    def as_principal(self, principal: Principal) -> Context:
        """This context acting for an authenticated principal (also the audit actor)."""
        return replace(self, principal=principal, actor=principal.name)

    def with_request_key(self, request_key: RequestKey | None) -> Context:
        return replace(self, request_key=request_key)


def audit_target(
    model: str | None, model_id: str | None, version: int | None, hash_version: int
) -> dict[str, Any]:
    """What an event's hash covers about its object; version 1 events predate model ids."""
    if hash_version == 1:
        return {"model": model, "version": version}
    return {"model": model, "model_id": model_id, "version": version}


def append_audit(
    ctx: Context,
    repo: Repository,
    action: str,
    *,
    model: RegisteredModel | None = None,
    version: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event in the caller's unit of work, so both commit together.

    Every mutation appends one, so this is also where the request's Idempotency-Key is
    claimed: the claim commits or rolls back with the mutation.
    """
    at = ctx.clock()
    if ctx.request_key is not None:
        key = ctx.request_key
        claim = RequestClaim(ctx.actor, key.key, key.fingerprint, key.attempt, at)
        repo.claim_request(claim, at - REQUEST_KEY_TTL)
    seq, prev = repo.audit_head()
    name, model_id = (model.name, model.id) if model is not None else (None, None)
    target = audit_target(name, model_id, version, HASH_VERSION)
    actor = ctx.audit_actor
    digest = event_hash(prev, seq + 1, at, actor, action, target, before, after)
    event = AuditEvent(
        seq + 1, at, actor, action, name, version, before, after, prev, digest, model_id, 2
    )
    repo.add_audit(event)
    return event
