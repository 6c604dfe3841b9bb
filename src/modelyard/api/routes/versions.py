"""Model versions: create from a manifest, read by any reference, search, tag, transition."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from modelyard import wire
from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.service import stages, versions

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, tags=["versions"])
VERSION_DOC = "a number, `latest`, a stage name, or `@alias`"


@router.post("/models/{name}/versions", status_code=201, response_model=wire.VersionOut)
def create_version(
    name: str,
    body: wire.VersionCreate,
    ctx: Ctx,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> wire.VersionOut:
    """Create the next version from a manifest whose blobs are all stored.

    The model is created if it does not exist. With an `Idempotency-Key` header a retried
    request returns the version the first attempt created.
    """
    spec = wire.new_version(body)
    created = versions.create_version(ctx, name, spec, idempotency_key=idempotency_key)
    return wire.version_out(created)


@router.get("/models/{name}/versions", response_model=wire.VersionList)
def list_versions(
    name: str, ctx: Ctx, max_results: str | None = None, page_token: str | None = None
) -> wire.VersionList:
    """The model's live versions, newest first, paged."""
    page = versions.list_versions(ctx, name, max_results, page_token)
    return wire.VersionList(
        versions=[wire.version_out(v) for v in page.items], next_page_token=page.next_page_token
    )


@router.get("/versions", response_model=wire.VersionList)
def search_versions(
    ctx: Ctx,
    filter: str | None = None,
    max_results: str | None = None,
    page_token: str | None = None,
    order_by: Annotated[list[str] | None, Query()] = None,
) -> wire.VersionList:
    """Versions across models: `name = 'X' AND tags.owner = 'alice' AND stage = 'Production'`.

    `order_by` (repeatable): `name`, `version`, `created_at`, `updated_at` or `stage`, each
    with `ASC` or `DESC`; by name, then newest version first, when absent.
    """
    page = versions.search_versions(ctx, filter, max_results, page_token, order_by)
    return wire.VersionList(
        versions=[wire.version_out(v) for v in page.items], next_page_token=page.next_page_token
    )


@router.get("/models/{name}/versions/{version}", response_model=wire.VersionOut)
def get_version(name: str, version: str, ctx: Ctx) -> wire.VersionOut:
    """One version; `version` is """ + VERSION_DOC + "."
    return wire.version_out(versions.get_version(ctx, name, version))


@router.get("/models/{name}/versions/{version}/manifest", response_model=list[wire.FileEntry])
def get_manifest(name: str, version: str, ctx: Ctx) -> list[wire.FileEntry]:
    """The version's files: path, size and SHA-256 of each."""
    return wire.files_out(versions.get_version(ctx, name, version).manifest)


@router.patch("/models/{name}/versions/{version}", response_model=wire.VersionOut)
def patch_version(name: str, version: str, body: wire.VersionPatch, ctx: Ctx) -> wire.VersionOut:
    """Change a version's description (its files and lineage never change)."""
    return wire.version_out(versions.update_version(ctx, name, version, body.description))


@router.delete("/models/{name}/versions/{version}", status_code=204)
def delete_version(name: str, version: str, ctx: Ctx) -> Response:
    """Soft-delete a version and drop its aliases; its number is never reused."""
    versions.delete_version(ctx, name, version)
    return Response(status_code=204)


@router.put("/models/{name}/versions/{version}/tags/{key:path}", response_model=wire.VersionOut)
def set_version_tag(
    name: str, version: str, key: str, body: wire.TagIn, ctx: Ctx
) -> wire.VersionOut:
    """Set a tag on a version; answers the version as it now is."""
    return wire.version_out(versions.set_version_tag(ctx, name, version, key, body.value))


@router.delete("/models/{name}/versions/{version}/tags/{key:path}", response_model=wire.VersionOut)
def delete_version_tag(name: str, version: str, key: str, ctx: Ctx) -> wire.VersionOut:
    """Remove a tag from a version; answers the version as it now is."""
    return wire.version_out(versions.delete_version_tag(ctx, name, version, key))


@router.post("/models/{name}/versions/{version}/transition", response_model=wire.VersionOut)
def transition(name: str, version: str, body: wire.TransitionIn, ctx: Ctx) -> wire.VersionOut:
    """Move a version to None, Staging, Production or Archived (archiving others by default)."""
    moved = stages.transition_stage(
        ctx, name, version, body.stage, body.archive_existing, body.comment
    )
    return wire.version_out(moved)


@router.get("/models/{name}/versions/{version}/history", response_model=wire.HistoryOut)
def version_history(name: str, version: str, ctx: Ctx) -> wire.HistoryOut:
    """Stage changes of one version, oldest first."""
    changes = stages.stage_history(ctx, name, version)
    return wire.HistoryOut(changes=[wire.change_out(c) for c in changes])
