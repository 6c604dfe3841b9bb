"""Use cases on registered models."""

from __future__ import annotations

from dataclasses import replace

from modelyard.domain import names
from modelyard.domain.entities import ModelVersion, Page, RegisteredModel
from modelyard.domain.filters import MODEL_FIELDS, parse_filter
from modelyard.domain.ordering import MODEL_ORDER, model_order
from modelyard.domain.stages import Stage, parse_stage
from modelyard.errors import AlreadyExists, InvalidArgument, NotFound
from modelyard.service.context import Context, append_audit
from modelyard.service.paging import paged, search_query
from modelyard.service.permissions import require, searchable
from modelyard.service.ports import Repository

MAX_TAGS = 100


def insert_model(
    ctx: Context, repo: Repository, name: str, description: str, tags: dict[str, str]
) -> RegisteredModel:
    """Create a model inside the caller's unit of work (shared with create_version)."""
    now = ctx.clock()
    model = RegisteredModel(
        id=ctx.new_id(),
        name=name,
        description=description,
        tags={},
        aliases={},
        created_at=now,
        updated_at=now,
        created_by=ctx.actor,
        latest_version=0,
    )
    repo.add_model(model)
    for key, value in tags.items():
        repo.set_model_tag(model.id, key, value)
    after = {"description": description, "tags": tags}
    append_audit(ctx, repo, "model.create", model=model, after=after)
    return repo.get_model(name)


def check_tags(tags: dict[str, str] | None) -> dict[str, str]:
    tags = tags or {}
    if len(tags) > MAX_TAGS:
        raise InvalidArgument(f"at most {MAX_TAGS} tags per request")
    return {names.tag_key(k): names.tag_value(v) for k, v in tags.items()}


def create_model(
    ctx: Context, name: str, description: str = "", tags: dict[str, str] | None = None
) -> RegisteredModel:
    name = names.model_name(name)
    description = names.description(description)
    checked = check_tags(tags)
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "models.create_model", name)
        model = insert_model(ctx, uow.repo, name, description, checked)
        uow.commit()
    return model


def get_model(ctx: Context, name: str) -> RegisteredModel:
    name = names.model_name(name)
    with ctx.uow(write=False) as uow:
        model = uow.repo.get_model(name)
        require(uow.repo, ctx.caller, "models.get_model", model)
    return model


def latest_versions(
    ctx: Context, name: str, stages: list[str] | None = None
) -> tuple[RegisteredModel, list[ModelVersion]]:
    """A model and its newest version in each stage named (every stage when none is),
    read in one unit of work so the answer is one consistent snapshot."""
    name = names.model_name(name)
    chosen = dict.fromkeys(parse_stage(s) for s in stages) if stages else list(Stage)
    with ctx.uow(write=False) as uow:
        model = uow.repo.get_model(name)
        require(uow.repo, ctx.caller, "models.latest_versions", model)
        found = []
        for stage in chosen:
            try:
                found.append(uow.repo.latest_version(model.id, stage))
            except NotFound:
                continue
    return model, found


def search_models(
    ctx: Context,
    filter: str | None = None,
    max_results: int | str | None = 100,
    page_token: str | None = None,
    order_by: list[str] | None = None,
) -> Page[RegisteredModel]:
    """Models matching a filter, by name unless ``order_by`` (e.g. ``["updated_at DESC"]``)."""
    flt = parse_filter(filter, MODEL_FIELDS)
    order = model_order(order_by)
    return paged(
        ctx,
        search_query("models", filter, order, MODEL_ORDER),
        max_results,
        page_token,
        lambda repo, offset, limit: repo.list_models(
            flt, offset, limit, order, searchable(repo, ctx.caller, "models.search_models")
        ),
    )


def rename_model(ctx: Context, name: str, new_name: str) -> RegisteredModel:
    return update_model(ctx, name, new_name=new_name)


def _ensure_free(repo: Repository, name: str) -> None:
    try:
        existing = repo.get_model(name)
    except NotFound:
        return
    raise AlreadyExists(f"a model named {existing.name!r} already exists")


def update_model(
    ctx: Context, name: str, description: str | None = None, *, new_name: str | None = None
) -> RegisteredModel:
    """Describe and/or rename a model in one unit of work: both changes apply, or neither."""
    name = names.model_name(name)
    description = None if description is None else names.description(description)
    new_name = None if new_name is None else names.model_name(new_name)
    if description is None and new_name is None:
        return get_model(ctx, name)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        _require_update(uow.repo, ctx, model, description, new_name)
        if new_name is not None and names.name_key(new_name) != names.name_key(model.name):
            _ensure_free(uow.repo, new_name)  # before any write, so a 409 changes nothing
        if description is not None:
            _describe(ctx, uow.repo, model, description)
        if new_name is not None and new_name != model.name:
            _rename(ctx, uow.repo, model, new_name)
        updated = uow.repo.get_model(new_name or model.name)
        uow.commit()
    return updated


def _require_update(
    repo: Repository,
    ctx: Context,
    model: RegisteredModel,
    description: str | None,
    new_name: str | None,
) -> None:
    """A description needs model.edit, a rename model.rename (grants on the model follow it
    by id; leaving a prefix only loses the prefix's grants, it gains the caller nothing)."""
    if description is not None:
        require(repo, ctx.caller, "models.update_model", model)
    if new_name is not None:
        require(repo, ctx.caller, "models.rename_model", model)


def _describe(ctx: Context, repo: Repository, model: RegisteredModel, description: str) -> None:
    repo.describe_model(model.id, description, ctx.clock())
    append_audit(
        ctx,
        repo,
        "model.update",
        model=model,
        before={"description": model.description},
        after={"description": description},
    )


def _rename(ctx: Context, repo: Repository, model: RegisteredModel, new_name: str) -> None:
    repo.rename_model(model.id, new_name, ctx.clock())
    append_audit(
        ctx,
        repo,
        "model.rename",
        model=replace(model, name=new_name),
        before={"name": model.name},
        after={"name": new_name},
    )


def delete_model(ctx: Context, name: str) -> None:
    """Soft-delete a model and its versions; blobs stay until garbage collection."""
    name = names.model_name(name)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "models.delete_model", model)
        uow.repo.delete_model(model.id, ctx.clock())
        append_audit(
            ctx,
            uow.repo,
            "model.delete",
            model=model,
            before={"latest_version": model.latest_version, "aliases": model.aliases},
        )
        uow.commit()


def set_model_tag(ctx: Context, name: str, key: str, value: str) -> RegisteredModel:
    """Set a tag on a model; returns the model as it now is."""
    name, key, value = names.model_name(name), names.tag_key(key), names.tag_value(value)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "models.set_model_tag", model)
        if len(model.tags) >= MAX_TAGS and key not in model.tags:
            raise InvalidArgument(f"a model has at most {MAX_TAGS} tags")
        uow.repo.set_model_tag(model.id, key, value)
        before = {key: model.tags[key]} if key in model.tags else None
        append_audit(ctx, uow.repo, "model.tag.set", model=model, before=before, after={key: value})
        updated = uow.repo.get_model(model.name)
        uow.commit()
    return updated


def delete_model_tag(ctx: Context, name: str, key: str) -> RegisteredModel:
    """Remove a tag from a model; returns the model as it now is."""
    name, key = names.model_name(name), names.tag_key(key)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "models.delete_model_tag", model)
        if key not in model.tags:
            raise NotFound(f"model {model.name!r} has no tag {key!r}")
        uow.repo.delete_model_tag(model.id, key)
        append_audit(ctx, uow.repo, "model.tag.delete", model=model, before={key: model.tags[key]})
        updated = uow.repo.get_model(model.name)
        uow.commit()
    return updated
