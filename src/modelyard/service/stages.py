"""Stage transitions, one-step rollback, aliases, and their history."""

from __future__ import annotations

from modelyard.domain import names
from modelyard.domain.approvals import ApprovalRequest, Change, ChangeKind
from modelyard.domain.entities import ModelVersion, RegisteredModel, StageChange
from modelyard.domain.refs import parse_ref
from modelyard.domain.stages import Stage, parse_stage
from modelyard.errors import Conflict, NotFound
from modelyard.service import governance
from modelyard.service.context import Context, append_audit
from modelyard.service.permissions import require
from modelyard.service.ports import Repository, VersionUpdate
from modelyard.service.versions import resolve

MAX_COMMENT = 2000
ARCHIVABLE = frozenset({Stage.STAGING, Stage.PRODUCTION})


def _move(
    ctx: Context, repo: Repository, model: RegisteredModel, v: ModelVersion, to: Stage, comment: str
) -> None:
    at = ctx.clock()
    repo.update_version(model.id, v.version, VersionUpdate(stage=to), at)
    repo.add_stage_change(
        model.id, StageChange(model.name, v.version, v.stage, to, ctx.actor, at, comment)
    )
    append_audit(
        ctx,
        repo,
        "version.transition",
        model=model,
        version=v.version,
        before={"stage": v.stage.value},
        after={"stage": to.value, "comment": comment},
    )


def _transition(
    ctx: Context,
    repo: Repository,
    model: RegisteredModel,
    v: ModelVersion,
    to: Stage,
    archive_existing: bool,
    comment: str,
) -> ModelVersion:
    if v.stage != to:
        _move(ctx, repo, model, v, to, comment)
    if archive_existing and to in ARCHIVABLE:
        for other in repo.versions_in_stage(model.id, to):
            if other.version != v.version:
                _move(
                    ctx,
                    repo,
                    model,
                    other,
                    Stage.ARCHIVED,
                    f"archived: version {v.version} moved to {to.value}",
                )
    return repo.get_version(model.id, v.version)


def transition_stage(
    ctx: Context,
    name: str,
    ref: object,
    stage: object,
    archive_existing: bool = True,
    comment: str = "",
) -> ModelVersion:
    """Move a version to a stage; by default the versions already there are archived.

    When the model requires approval for Production and the caller may not move it there
    (or the model requires four eyes), nothing moves: an approval request holding the
    comment is recorded and ApprovalPending raised with it.
    """
    name, vref, to = names.model_name(name), parse_ref(ref), parse_stage(stage)
    comment = names.text(comment, "comment", MAX_COMMENT)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        v = resolve(uow.repo, model, vref)
        change = Change(ChangeKind.TRANSITION, v.version, to, None, archive_existing, comment)
        request = _decide(ctx, uow.repo, model, change, changes=v.stage != to)
        if request is None:
            moved = _transition(ctx, uow.repo, model, v, to, archive_existing, comment)
        uow.commit()
    if request is not None:
        raise governance.pending(request)
    return moved


def _decide(
    ctx: Context, repo: Repository, model: RegisteredModel, change: Change, *, changes: bool
) -> ApprovalRequest | None:
    """A request instead of the change when the model's settings call for one; a change
    that changes nothing needs no approval."""
    # the permission check of transitions and alias moves lives here (not at the top of the
    # use case): whether the caller needs the right to make the change, or only the right to
    # ask for it, depends on the model's settings
    if changes:
        return governance.decide(ctx, repo, model, change)
    governance.require_direct(ctx, repo, model, change)
    return None


def apply_change(
    ctx: Context, repo: Repository, model: RegisteredModel, change: Change
) -> ModelVersion | None:
    """Carry out an approved change (the version's existence is checked by the caller)."""
    if change.version is None:
        raise ValueError("an approved change names its version")
    v = repo.get_version(model.id, change.version)
    if change.kind is ChangeKind.TRANSITION and change.stage is not None:
        return _transition(
            ctx, repo, model, v, change.stage, change.archive_existing, change.comment
        )
    if change.kind is ChangeKind.ALIAS_SET and change.alias is not None:
        _point(ctx, repo, model, change.alias, v)
        return repo.get_version(model.id, v.version)
    if change.alias is not None:
        _unpoint(ctx, repo, model, change.alias)
    return None


def _previous_production(repo: Repository, model: RegisteredModel) -> ModelVersion:
    current = {v.version for v in repo.versions_in_stage(model.id, Stage.PRODUCTION)}
    for change in reversed(repo.stage_history(model.id, None)):
        if change.to_stage is Stage.PRODUCTION and change.version not in current:
            try:
                return repo.get_version(model.id, change.version)
            except NotFound:
                continue  # deleted since; look further back
    raise Conflict(f"model {model.name!r} has no earlier Production version to roll back to")


def rollback(ctx: Context, name: str, comment: str = "") -> ModelVersion:
    """Put the previous Production version back in Production and archive the current one."""
    name = names.model_name(name)
    comment = names.text(comment, "comment", MAX_COMMENT) or "rollback"
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "stages.rollback", model)
        target = _previous_production(uow.repo, model)
        current = [v.version for v in uow.repo.versions_in_stage(model.id, Stage.PRODUCTION)]
        moved = _transition(ctx, uow.repo, model, target, Stage.PRODUCTION, True, comment)
        append_audit(
            ctx,
            uow.repo,
            "model.rollback",
            model=model,
            version=target.version,
            before={"production": current},
            after={"production": [target.version]},
        )
        uow.commit()
    return moved


def stage_history(ctx: Context, name: str, ref: object | None = None) -> list[StageChange]:
    """Every stage change of a model (or of one version), oldest first."""
    name = names.model_name(name)
    vref = parse_ref(ref) if ref is not None else None
    with ctx.uow(write=False) as uow:
        model = uow.repo.get_model(name)
        require(uow.repo, ctx.caller, "stages.stage_history", model)
        number = resolve(uow.repo, model, vref).version if vref else None
        return uow.repo.stage_history(model.id, number)


def set_alias(ctx: Context, name: str, alias: str, ref: object) -> ModelVersion:
    """Point an alias at a version, moving it if it pointed elsewhere.

    When the model protects the alias and the caller may not move it (or the model requires
    four eyes), nothing moves: an approval request is recorded and ApprovalPending raised.
    """
    name, alias, vref = names.model_name(name), names.alias_name(alias), parse_ref(ref)
    if vref.alias == alias:
        raise Conflict(f"alias {alias!r} cannot point at itself")
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        v = resolve(uow.repo, model, vref)
        change = Change(ChangeKind.ALIAS_SET, v.version, alias=alias)
        moves = model.aliases.get(alias) != v.version
        request = _decide(ctx, uow.repo, model, change, changes=moves)
        if request is None:
            _point(ctx, uow.repo, model, alias, v)
        pointed = uow.repo.get_version(model.id, v.version)
        uow.commit()
    if request is not None:
        raise governance.pending(request)
    return pointed


def _point(
    ctx: Context, repo: Repository, model: RegisteredModel, alias: str, v: ModelVersion
) -> None:
    before = model.aliases.get(alias)
    if before == v.version:
        return
    repo.set_alias(model.id, alias, v.version)
    append_audit(
        ctx,
        repo,
        "alias.set",
        model=model,
        version=v.version,
        before={"alias": alias, "version": before} if before else None,
        after={"alias": alias, "version": v.version},
    )


def _unpoint(ctx: Context, repo: Repository, model: RegisteredModel, alias: str) -> None:
    repo.delete_alias(model.id, alias)
    append_audit(
        ctx,
        repo,
        "alias.delete",
        model=model,
        version=model.aliases[alias],
        before={"alias": alias, "version": model.aliases[alias]},
    )


def delete_alias(ctx: Context, name: str, alias: str) -> RegisteredModel:
    """Remove an alias and return the model as it now is (a protected one may need
    approval: see ``set_alias``)."""
    name, alias = names.model_name(name), names.alias_name(alias)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        if alias not in model.aliases:
            raise NotFound(f"model {model.name!r} has no alias {alias!r}")
        change = Change(ChangeKind.ALIAS_DELETE, model.aliases[alias], alias=alias)
        request = _decide(ctx, uow.repo, model, change, changes=True)
        if request is None:
            _unpoint(ctx, uow.repo, model, alias)
        updated = uow.repo.get_model(model.name)
        uow.commit()
    if request is not None:
        raise governance.pending(request)
    return updated
