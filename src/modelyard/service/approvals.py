"""Protected aliases and four-eyes approvals: a model's settings, and deciding requests.

An approval carries the change out in the approver's unit of work, after checking that
the version still exists and that nothing changed the target since the request; a stale
or expired request is retired (audited) and the caller gets a 409 naming why.
"""

from __future__ import annotations

from modelyard.domain import names
from modelyard.domain.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    ModelSettings,
    SettingsUpdate,
    parse_status,
)
from modelyard.domain.entities import ModelVersion, Page, RegisteredModel
from modelyard.domain.refs import parse_ref
from modelyard.errors import (
    ApprovalDecided,
    ApprovalExpired,
    ApprovalStale,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    SelfApproval,
)
from modelyard.service import governance, stages
from modelyard.service.context import Context, append_audit
from modelyard.service.paging import paged
from modelyard.service.permissions import allowed, read_scope, require
from modelyard.service.ports import ApprovalQuery, Repository
from modelyard.service.versions import resolve

MAX_COMMENT = stages.MAX_COMMENT
_ID_CHARS = frozenset("0123456789abcdefABCDEF")


def settings_view(settings: ModelSettings) -> dict[str, object]:
    """The settings as the audit trail and the wire show them."""
    return {
        "protected_aliases": sorted(settings.protected_aliases),
        "require_approval_production": settings.require_approval_production,
        "four_eyes": settings.four_eyes,
        "request_ttl_seconds": int(settings.request_ttl.total_seconds()),
    }


def get_settings(ctx: Context, name: str) -> ModelSettings:
    """The model's protected aliases and approval requirements."""
    name = names.model_name(name)
    with ctx.uow(write=False) as uow:
        model = uow.repo.get_model(name)
        require(uow.repo, ctx.caller, "approvals.get_settings", model)
        return uow.repo.get_model_settings(model.id)


def update_settings(ctx: Context, name: str, update: SettingsUpdate) -> ModelSettings:
    """Change what the model protects and requires (maintainer on the model), audited."""
    name = names.model_name(name)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "approvals.update_settings", model)
        before = uow.repo.get_model_settings(model.id)
        after = update.apply(before)
        if after != before:
            uow.repo.put_model_settings(model.id, after, ctx.clock(), ctx.actor)
            append_audit(
                ctx,
                uow.repo,
                "model.settings",
                model=model,
                before=settings_view(before),
                after=settings_view(after),
            )
        uow.commit()
    return after


def _request_id(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 32 or not set(value) <= _ID_CHARS:
        raise NotFound(f"approval request {str(value)[:40]!r} does not exist")
    return value


def list_requests(
    ctx: Context,
    model: str | None = None,
    version: object | None = None,
    status: object | None = None,
    mine: bool = False,
    max_results: int | str | None = 100,
    page_token: str | None = None,
) -> Page[ApprovalRequest]:
    """Approval requests, newest first: of one model (or version), in one status, or the
    caller's own; only of models the caller may read. A pending request past its expiry
    is shown as expired."""
    if version is not None and model is None:
        raise InvalidArgument("a version needs its model")
    wanted = parse_status(status) if status is not None else None
    mine_by = ctx.actor if mine else None
    with ctx.uow(write=False) as uow:
        model_id = number = None
        if model is not None:
            found = uow.repo.get_model(names.model_name(model))
            require(uow.repo, ctx.caller, "approvals.list_requests", found)
            model_id = found.id
            number = resolve(uow.repo, found, parse_ref(version)).version if version else None
        scope = read_scope(uow.repo, ctx.caller)
    query = ApprovalQuery(model_id, number, wanted, mine_by, None, None if scope.all else scope)
    now = ctx.clock()

    def fetch(repo: Repository, offset: int, limit: int) -> list[ApprovalRequest]:
        return [r.shown_at(now) for r in repo.list_approvals(query, offset, limit)]

    key = f"approvals|{model_id}|{number}|{wanted}|{mine_by}"
    return paged(ctx, key, max_results, page_token, fetch)


def get_request(ctx: Context, request_id: str) -> ApprovalRequest:
    """One approval request; NotFound also for a model the caller may not read."""
    request_id = _request_id(request_id)
    with ctx.uow(write=False) as uow:
        request = uow.repo.get_approval(request_id)
        model = uow.repo.get_model(request.name)
        require(uow.repo, ctx.caller, "approvals.get_request", model)
    return request.shown_at(ctx.clock())


def _may_decide(ctx: Context, repo: Repository, model: RegisteredModel, r: ApprovalRequest) -> bool:
    """Deciding needs the right the change needs to happen directly."""
    settings = repo.get_model_settings(model.id)
    protected = r.change.alias is not None and settings.protects(r.change.alias)
    use_case, target = governance.use_case_of(r.change, protected)
    return allowed(repo, ctx.caller, use_case, model, target)


def _load(
    ctx: Context, repo: Repository, request_id: str
) -> tuple[ApprovalRequest, RegisteredModel]:
    request = repo.get_approval(_request_id(request_id), lock=True)
    model = repo.get_model(request.name, lock=True)
    require(repo, ctx.caller, "approvals.get_request", model)  # unreadable: NotFound
    return request, model


def _same_person(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _retired(
    ctx: Context,
    repo: Repository,
    model: RegisteredModel,
    r: ApprovalRequest,
) -> ApprovalExpired | ApprovalStale | None:
    """Why the request can no longer go ahead (and retire it), or None."""
    if r.expired(ctx.clock()):
        governance.retire(ctx, repo, model, r, ApprovalStatus.EXPIRED, "expired")
        return ApprovalExpired(f"approval request {r.id} expired at {r.expires_at.isoformat()}")
    try:
        if r.change.version is not None:
            repo.get_version(model.id, r.change.version)
    except NotFound:
        governance.retire(ctx, repo, model, r, ApprovalStatus.SUPERSEDED, "version deleted")
        return ApprovalStale(
            f"approval request {r.id}: version {r.change.version} was deleted since"
        )
    if governance.basis(repo, model, r.change) != r.basis:
        governance.retire(ctx, repo, model, r, ApprovalStatus.SUPERSEDED, "target changed")
        return ApprovalStale(
            f"approval request {r.id} is superseded: {r.change.target} changed since it was made"
        )
    return None


def _check_decider(
    ctx: Context, repo: Repository, model: RegisteredModel, r: ApprovalRequest, approving: bool
) -> None:
    own = _same_person(r.requested_by, ctx.actor)
    if approving and own:
        raise SelfApproval(f"{ctx.actor!r} requested {r.id} and cannot approve it")
    if not own and not _may_decide(ctx, repo, model, r):
        raise PermissionDenied(f"{ctx.actor!r} may not decide approval request {r.id}")
    if r.status is not ApprovalStatus.PENDING:
        raise ApprovalDecided(f"approval request {r.id} is already {r.status.value}")


def approve(ctx: Context, request_id: str, comment: str = "") -> ApprovalRequest:
    """Approve a pending request and carry its change out in the same unit of work.

    The requester never approves their own request; the approver needs the right the
    change needs. A request that expired, whose version was deleted, or whose target
    changed since it was made is retired instead (409).
    """
    comment = names.text(comment, "comment", MAX_COMMENT)
    with ctx.uow(write=True) as uow:
        r, model = _load(ctx, uow.repo, request_id)
        _check_decider(ctx, uow.repo, model, r, approving=True)
        refusal = _retired(ctx, uow.repo, model, r)
        if refusal is None:
            _execute(ctx, uow.repo, model, r, comment)
        uow.commit()
        decided = uow.repo.get_approval(r.id)
    if refusal is not None:
        raise refusal
    return decided


def _execute(
    ctx: Context, repo: Repository, model: RegisteredModel, r: ApprovalRequest, comment: str
) -> ModelVersion | None:
    if not repo.decide_approval(r.id, ApprovalStatus.APPROVED, ctx.actor, ctx.clock(), comment):
        raise ApprovalDecided(f"approval request {r.id} was decided concurrently")
    after = {"request": r.id, "status": ApprovalStatus.APPROVED.value, "comment": comment}
    append_audit(
        ctx,
        repo,
        "approval.approved",
        model=model,
        version=r.change.version,
        before={"request": r.id, "status": "pending"},
        after=after,
    )
    done = stages.apply_change(ctx, repo, model, r.change)
    append_audit(
        ctx,
        repo,
        "approval.executed",
        model=model,
        version=r.change.version,
        after=governance.describe(r),
    )
    return done


def reject(ctx: Context, request_id: str, comment: str = "") -> ApprovalRequest:
    """Reject a pending request; its requester may withdraw it the same way."""
    comment = names.text(comment, "comment", MAX_COMMENT)
    with ctx.uow(write=True) as uow:
        r, model = _load(ctx, uow.repo, request_id)
        _check_decider(ctx, uow.repo, model, r, approving=False)
        refusal = _retired(ctx, uow.repo, model, r) if r.expired(ctx.clock()) else None
        if refusal is None:
            if not uow.repo.decide_approval(
                r.id, ApprovalStatus.REJECTED, ctx.actor, ctx.clock(), comment
            ):
                raise ApprovalDecided(f"approval request {r.id} was decided concurrently")
            after = {"request": r.id, "status": "rejected", "comment": comment}
            append_audit(
                ctx,
                uow.repo,
                "approval.rejected",
                model=model,
                version=r.change.version,
                before={"request": r.id, "status": "pending"},
                after=after,
            )
        uow.commit()
        decided = uow.repo.get_approval(r.id)
    if refusal is not None:
        raise refusal
    return decided


def expire_requests(ctx: Context) -> int:
    """Mark every pending request past its expiry as expired (audited); how many."""
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "approvals.expire_requests")
        now = ctx.clock()
        due = [
            r
            for r in uow.repo.list_approvals(
                ApprovalQuery(status=ApprovalStatus.PENDING), 0, 10_000
            )
            if r.expired(now)
        ]
        for r in due:
            model = uow.repo.get_model(r.name)
            governance.retire(ctx, uow.repo, model, r, ApprovalStatus.EXPIRED, "expired")
        uow.commit()
    return len(due)
