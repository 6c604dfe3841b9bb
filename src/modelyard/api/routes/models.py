"""Registered models: create, list, read, rename/describe, delete, tags, aliases, rollback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from modelyard import wire
from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.service import models, stages

router = APIRouter(prefix="/api/v1/models", responses=ERROR_RESPONSES, tags=["models"])


@router.post("", status_code=201, response_model=wire.ModelOut)
def create_model(body: wire.ModelCreate, ctx: Ctx) -> wire.ModelOut:
    """Register a new model name (unique, ignoring case)."""
    return wire.model_out(models.create_model(ctx, body.name, body.description, body.tags))


@router.get("", response_model=wire.ModelList)
def list_models(
    ctx: Ctx,
    filter: str | None = None,
    max_results: str | None = None,
    page_token: str | None = None,
    order_by: Annotated[list[str] | None, Query()] = None,
) -> wire.ModelList:
    """Models matching a filter (`name LIKE '%fraud%' AND tags.team = 'risk'`), paged.

    `order_by` (repeatable): `name`, `created_at` or `updated_at`, each with `ASC` or `DESC`;
    by name when absent.
    """
    page = models.search_models(ctx, filter, max_results, page_token, order_by)
    return wire.ModelList(
        models=[wire.model_out(m) for m in page.items], next_page_token=page.next_page_token
    )


@router.get("/{name}", response_model=wire.ModelOut)
def get_model(name: str, ctx: Ctx) -> wire.ModelOut:
    """One model with its tags, aliases and latest version number."""
    return wire.model_out(models.get_model(ctx, name))


@router.patch("/{name}", response_model=wire.ModelOut)
def patch_model(name: str, body: wire.ModelPatch, ctx: Ctx) -> wire.ModelOut:
    """Change the description and/or rename the model (both audited)."""
    model = models.update_model(ctx, name, body.description, new_name=body.name)
    return wire.model_out(model)


@router.delete("/{name}", status_code=204)
def delete_model(name: str, ctx: Ctx) -> Response:
    """Soft-delete the model and its versions; version numbers are never reused."""
    models.delete_model(ctx, name)
    return Response(status_code=204)


@router.put("/{name}/tags/{key:path}", response_model=wire.ModelOut)
def set_model_tag(name: str, key: str, body: wire.TagIn, ctx: Ctx) -> wire.ModelOut:
    """Set a tag on the model; answers the model as it now is."""
    return wire.model_out(models.set_model_tag(ctx, name, key, body.value))


@router.delete("/{name}/tags/{key:path}", response_model=wire.ModelOut)
def delete_model_tag(name: str, key: str, ctx: Ctx) -> wire.ModelOut:
    """Remove a tag from the model; answers the model as it now is."""
    return wire.model_out(models.delete_model_tag(ctx, name, key))


@router.put("/{name}/aliases/{alias}", response_model=wire.VersionOut)
def set_alias(name: str, alias: str, body: wire.AliasIn, ctx: Ctx) -> wire.VersionOut:
    """Point an alias (e.g. `champion`) at a version."""
    return wire.version_out(stages.set_alias(ctx, name, alias, str(body.version)))


@router.delete("/{name}/aliases/{alias}", response_model=wire.ModelOut)
def delete_alias(name: str, alias: str, ctx: Ctx) -> wire.ModelOut:
    """Remove an alias; answers the model as it now is."""
    return wire.model_out(stages.delete_alias(ctx, name, alias))


@router.post("/{name}/rollback", response_model=wire.VersionOut)
def rollback(name: str, ctx: Ctx, body: wire.RollbackIn | None = None) -> wire.VersionOut:
    """Put the previous Production version back in Production, archiving the current one."""
    comment = body.comment if body else ""
    return wire.version_out(stages.rollback(ctx, name, comment))


@router.get("/{name}/history", response_model=wire.HistoryOut)
def model_history(name: str, ctx: Ctx) -> wire.HistoryOut:
    """Every stage change of the model's versions, oldest first."""
    return wire.HistoryOut(changes=[wire.change_out(c) for c in stages.stage_history(ctx, name)])
