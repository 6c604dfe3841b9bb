"""Steps of the stage and alias use cases that decide whether a change happens now or
becomes an approval request. Every function runs inside its caller's unit of work.
"""

from __future__ import annotations

from modelyard.domain.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    Change,
    ChangeKind,
    must_request,
)
from modelyard.domain.entities import RegisteredModel
from modelyard.domain.stages import Stage
from modelyard.errors import ApprovalPending
from modelyard.service.context import Context, append_audit
from modelyard.service.permissions import Target, allowed, require
from modelyard.service.ports import ApprovalQuery, Repository


def use_case_of(change: Change, protected: bool) -> tuple[str, Target]:
    """The use case (and its target) whose permission a change needs to happen directly."""
    if change.kind is ChangeKind.TRANSITION:
        return "stages.transition_stage", Target(stage=change.stage)
    name = "stages.set_alias" if change.kind is ChangeKind.ALIAS_SET else "stages.delete_alias"
    return name, Target(protected=protected)


def _request_right(change: Change) -> tuple[str, Target]:
    """Asking for a governed change needs an editor's right of the same kind: moving an
    unprotected alias, or moving a version to Staging."""
    if change.kind is ChangeKind.TRANSITION:
        return "stages.transition_stage", Target(stage=Stage.STAGING)
    return use_case_of(change, protected=False)


def basis(repo: Repository, model: RegisteredModel, change: Change) -> str:
    """The state of the change's target; an approval goes ahead only if it is unchanged."""
    if change.kind is ChangeKind.TRANSITION and change.stage and change.version is not None:
        current = repo.get_version(model.id, change.version).stage.value
        holders = sorted(v.version for v in repo.versions_in_stage(model.id, change.stage))
        return f"v{change.version}={current}|{change.stage.value}={holders}"
    return f"{change.alias}={model.aliases.get(change.alias or '')}"


def retire(
    ctx: Context,
    repo: Repository,
    model: RegisteredModel,
    request: ApprovalRequest,
    status: ApprovalStatus,
    reason: str,
) -> None:
    """Retire a pending request (superseded, expired or rejected), audited."""
    if not repo.decide_approval(request.id, status, ctx.actor, ctx.clock(), reason):
        return  # decided concurrently: nothing to retire
    append_audit(
        ctx,
        repo,
        f"approval.{status.value}",
        model=model,
        version=request.change.version,
        before={"request": request.id, "status": ApprovalStatus.PENDING.value},
        after={"request": request.id, "status": status.value, "reason": reason},
    )


def _open(
    ctx: Context, repo: Repository, model: RegisteredModel, change: Change
) -> ApprovalRequest:
    at = ctx.clock()
    older = repo.list_approvals(
        ApprovalQuery(model.id, status=ApprovalStatus.PENDING, target=change.target), 0, 1000
    )
    settings = repo.get_model_settings(model.id)
    request = ApprovalRequest(
        id=ctx.new_id(),
        model_id=model.id,
        name=model.name,
        change=change,
        requested_by=ctx.actor,
        requested_at=at,
        expires_at=at + settings.request_ttl,
        basis=basis(repo, model, change),
    )
    for old in older:
        retire(ctx, repo, model, old, ApprovalStatus.SUPERSEDED, f"newer request {request.id}")
    repo.add_approval(request)
    append_audit(
        ctx,
        repo,
        "approval.requested",
        model=model,
        version=change.version,
        after=describe(request),
    )
    return request


def describe(request: ApprovalRequest) -> dict[str, object]:
    """What the audit trail records of a request (its comment included, never a secret)."""
    c = request.change
    return {
        "request": request.id,
        "kind": c.kind.value,
        "stage": c.stage.value if c.stage is not None else None,
        "alias": c.alias,
        "archive_existing": c.archive_existing,
        "comment": c.comment,
        "requested_by": request.requested_by,
        "expires_at": request.expires_at.isoformat(),
    }


def require_direct(ctx: Context, repo: Repository, model: RegisteredModel, change: Change) -> None:
    """Check the caller's right to make the change directly (a change that changes nothing
    needs no approval, but still the right to ask for it)."""
    settings = repo.get_model_settings(model.id)
    protected = change.alias is not None and settings.protects(change.alias)
    use_case, target = use_case_of(change, protected)
    require(repo, ctx.caller, use_case, model, target)


def decide(
    ctx: Context, repo: Repository, model: RegisteredModel, change: Change
) -> ApprovalRequest | None:
    """Let the change happen now (None, after checking the caller's right to make it), or
    record an approval request for it.

    A governed change by a caller without the right, or by anyone under four eyes, becomes
    a request; anything else needs the right to make it directly.
    """
    settings = repo.get_model_settings(model.id)
    protected = change.alias is not None and settings.protects(change.alias)
    use_case, target = use_case_of(change, protected)
    may = allowed(repo, ctx.caller, use_case, model, target)
    if not must_request(settings, change, may):
        require(repo, ctx.caller, use_case, model, target)
        return None
    asking, asking_target = _request_right(change)
    require(repo, ctx.caller, asking, model, asking_target)
    return _open(ctx, repo, model, change)


def pending(request: ApprovalRequest) -> ApprovalPending:
    """The outcome a caller sees: the change did not happen, the request holds it."""
    c = request.change
    what = f"move to {c.stage.value}" if c.stage is not None else f"{c.kind.value} @{c.alias}"
    return ApprovalPending(
        f"{what} of model {request.name!r} needs approval: request {request.id} is pending",
        request,
    )
