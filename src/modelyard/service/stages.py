"""Stage transitions, one-step rollback, aliases, and their history."""

from __future__ import annotations

from modelyard.domain import names
from modelyard.domain.entities import ModelVersion, RegisteredModel, StageChange
from modelyard.domain.refs import parse_ref
from modelyard.domain.stages import Stage, parse_stage
from modelyard.errors import Conflict, NotFound
from modelyard.service.context import Context, append_audit
from modelyard.service.permissions import Target, require
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
    """Move a version to a stage; by default the versions already there are archived."""
    name, vref, to = names.model_name(name), parse_ref(ref), parse_stage(stage)
    comment = names.text(comment, "comment", MAX_COMMENT)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "stages.transition_stage", model, Target(stage=to))
        v = resolve(uow.repo, model, vref)
        moved = _transition(ctx, uow.repo, model, v, to, archive_existing, comment)
        uow.commit()
    return moved


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
    """Point an alias at a version, moving it if it pointed elsewhere."""
    name, alias, vref = names.model_name(name), names.alias_name(alias), parse_ref(ref)
    if vref.alias == alias:
        raise Conflict(f"alias {alias!r} cannot point at itself")
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "stages.set_alias", model, Target(protected=False))
        v = resolve(uow.repo, model, vref)
        before = model.aliases.get(alias)
        if before != v.version:
            uow.repo.set_alias(model.id, alias, v.version)
            append_audit(
                ctx,
                uow.repo,
                "alias.set",
                model=model,
                version=v.version,
                before={"alias": alias, "version": before} if before else None,
                after={"alias": alias, "version": v.version},
            )
        pointed = uow.repo.get_version(model.id, v.version)
        uow.commit()
    return pointed


def delete_alias(ctx: Context, name: str, alias: str) -> RegisteredModel:
    """Remove an alias; returns the model as it now is."""
    name, alias = names.model_name(name), names.alias_name(alias)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "stages.delete_alias", model, Target(protected=False))
        if alias not in model.aliases:
            raise NotFound(f"model {model.name!r} has no alias {alias!r}")
        uow.repo.delete_alias(model.id, alias)
        append_audit(
            ctx,
            uow.repo,
            "alias.delete",
            model=model,
            version=model.aliases[alias],
            before={"alias": alias, "version": model.aliases[alias]},
        )
        updated = uow.repo.get_model(model.name)
        uow.commit()
    return updated
