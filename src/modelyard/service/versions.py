"""Use cases on model versions: create once, read by any reference, search, describe, tag."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace

from modelyard.domain import names
from modelyard.domain.digests import Manifest
from modelyard.domain.entities import ModelVersion, NewVersion, Page, RegisteredModel
from modelyard.domain.filters import VERSION_FIELDS, name_equals, parse_filter
from modelyard.domain.ordering import VERSION_ORDER, version_order
from modelyard.domain.refs import VersionRef, parse_ref
from modelyard.domain.stages import Stage
from modelyard.domain.values import json_object
from modelyard.errors import (
    AlreadyExists,
    Conflict,
    IdempotencyKeyReused,
    InvalidArgument,
    NotFound,
)
from modelyard.service.context import Context, append_audit
from modelyard.service.models import MAX_TAGS, check_tags, get_model, insert_model
from modelyard.service.paging import paged, search_query
from modelyard.service.permissions import require, searchable
from modelyard.service.ports import Repository, VersionUpdate

MAX_IDEMPOTENCY_KEY = 128
MAX_REQUIREMENTS = 1000
_FLAVOR = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _flavor(value: str) -> str:
    if not isinstance(value, str) or not _FLAVOR.fullmatch(value):
        raise InvalidArgument(f"invalid flavor {str(value)[:40]!r}")
    return value


def _request_digest(spec: NewVersion) -> str:
    """What a retried create must repeat exactly: every field of the request."""
    body = {
        "manifest": spec.manifest.digest,
        "flavor": spec.flavor,
        "flavor_metadata": spec.flavor_metadata,
        "signature": spec.signature,
        "requirements": list(spec.requirements),
        "python_version": spec.python_version,
        "source": spec.source,
        "run_id": spec.run_id,
        "description": spec.description,
        "tags": spec.tags,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_spec(spec: NewVersion) -> NewVersion:
    if len(spec.requirements) > MAX_REQUIREMENTS:
        raise InvalidArgument(f"at most {MAX_REQUIREMENTS} requirements")
    return replace(
        spec,
        manifest=Manifest.build(spec.manifest.entries),
        flavor=_flavor(spec.flavor),
        python_version=names.line(spec.python_version, "python version", 64),
        requirements=tuple(names.line(r, "requirement", 512) for r in spec.requirements),
        description=names.description(spec.description),
        tags=check_tags(spec.tags),
        source=names.line(spec.source, "source", 2048),
        flavor_metadata=json_object(spec.flavor_metadata, "flavor_metadata"),
        signature=None if spec.signature is None else json_object(spec.signature, "signature"),
    )


def _check_blobs(ctx: Context, manifest: Manifest) -> None:
    """Every blob must be stored, and stored with the size the manifest declares."""
    missing = ctx.blobs.missing(manifest.blob_digests())
    if missing:
        raise InvalidArgument(
            f"manifest names {len(missing)} blob(s) not stored, e.g. sha256:{min(missing)}"
        )
    for entry in manifest.entries:
        stored = ctx.blobs.size(entry.sha256)
        if stored != entry.size:
            raise InvalidArgument(
                f"file {entry.path!r} is declared as {entry.size} bytes but its blob has {stored}"
            )


def create_version(
    ctx: Context,
    name: str,
    spec: NewVersion,
    *,
    idempotency_key: str | None = None,
    create_model: bool = True,
) -> ModelVersion:
    """Register a new, immutable version; the number is allocated by the database.

    Every blob the manifest names must already be stored. A retry with the same
    idempotency key and request returns the version the first call created.
    """
    name = names.model_name(name)
    spec = _check_spec(spec)
    if idempotency_key is not None and not (0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY):
        raise InvalidArgument(f"idempotency key must be 1-{MAX_IDEMPOTENCY_KEY} characters")
    _check_blobs(ctx, spec.manifest)
    for attempt in range(3):
        try:
            return _create_version_once(ctx, name, spec, idempotency_key, create_model)
        except AlreadyExists:
            # two writers created the model at once; the loser retries and finds it
            if attempt == 2 or not create_model:
                raise
    raise AssertionError("unreachable")


def _create_version_once(
    ctx: Context, name: str, spec: NewVersion, key: str | None, create_model: bool
) -> ModelVersion:
    with ctx.uow(write=True) as uow:
        model = _model_for_create(ctx, uow.repo, name, create_model)
        created = insert_version(ctx, uow.repo, model, spec, key)
        uow.commit()
    return created


def checked_version(ctx: Context, spec: NewVersion) -> NewVersion:
    """``spec`` checked, and every blob it names stored with the declared size."""
    spec = _check_spec(spec)
    _check_blobs(ctx, spec.manifest)
    return spec


def insert_version(
    ctx: Context, repo: Repository, model: RegisteredModel, spec: NewVersion, key: str | None
) -> ModelVersion:
    """Create a version (or replay the one ``key`` created) in the caller's unit of work;
    ``spec`` has passed ``checked_version``."""
    if spec.run_id is not None:
        repo.get_run(spec.run_id)
    request = _request_digest(spec)
    if key is not None:
        found = repo.find_idempotent(model.id, key)
        if found is not None:
            return _replay(repo, model, found, request)
    number = repo.allocate_version(model.id)
    version = _new_version(ctx, model, number, spec)
    repo.add_version(version, (key, request) if key is not None else None)
    append_audit(
        ctx,
        repo,
        "version.create",
        model=model,
        version=number,
        after={
            "manifest_digest": version.manifest_digest,
            "run_id": spec.run_id,
            "flavor": spec.flavor,
            "tags": spec.tags,
        },
    )
    return repo.get_version(model.id, number)


def _new_version(
    ctx: Context, model: RegisteredModel, number: int, spec: NewVersion
) -> ModelVersion:
    now = ctx.clock()
    return ModelVersion(
        model_id=model.id,
        name=model.name,
        version=number,
        stage=Stage.NONE,
        description=spec.description,
        tags=spec.tags,
        aliases=(),
        manifest_digest=spec.manifest.digest,
        manifest=spec.manifest,
        run_id=spec.run_id,
        flavor=spec.flavor,
        flavor_metadata=spec.flavor_metadata,
        signature=spec.signature,
        requirements=spec.requirements,
        python_version=spec.python_version,
        source=spec.source,
        created_at=now,
        updated_at=now,
        created_by=ctx.actor,
    )


def _model_for_create(
    ctx: Context, repo: Repository, name: str, create_model: bool
) -> RegisteredModel:
    try:
        model = repo.get_model(name, lock=True)
    except NotFound:
        if not create_model:
            raise
    else:
        require(repo, ctx.caller, "versions.create_version", model)
        return model
    require(repo, ctx.caller, "models.create_model", name)
    require(repo, ctx.caller, "versions.create_version", name)
    insert_model(ctx, repo, name, "", {})
    return repo.get_model(name, lock=True)


def _replay(
    repo: Repository, model: RegisteredModel, found: tuple[str, int], request: str
) -> ModelVersion:
    stored_request, number = found
    if stored_request != request:
        raise IdempotencyKeyReused(
            "idempotency key was already used for a different version request"
        )
    try:
        return repo.get_version(model.id, number)
    except NotFound:
        raise Conflict(
            f"idempotency key created version {number} of {model.name!r}, which has since"
            " been deleted; use a new key to create another version"
        ) from None


def resolve(repo: Repository, model: RegisteredModel, ref: VersionRef) -> ModelVersion:
    """The version a reference points at: a number, an alias, a stage, or latest."""
    if ref.number is not None:
        return repo.get_version(model.id, ref.number)
    if ref.alias is not None:
        if ref.alias not in model.aliases:
            raise NotFound(f"model {model.name!r} has no alias {ref.alias!r}")
        return repo.get_version(model.id, model.aliases[ref.alias])
    return repo.latest_version(model.id, ref.stage)


def get_version(ctx: Context, name: str, ref: object) -> ModelVersion:
    name, vref = names.model_name(name), parse_ref(ref)
    with ctx.uow(write=False) as uow:
        model = uow.repo.get_model(name)
        require(uow.repo, ctx.caller, "versions.get_version", model)
        return resolve(uow.repo, model, vref)


def search_versions(
    ctx: Context,
    filter: str | None = None,
    max_results: int | str | None = 100,
    page_token: str | None = None,
    order_by: list[str] | None = None,
) -> Page[ModelVersion]:
    """Versions across all models matching a filter, by model name then newest first
    unless ``order_by`` says otherwise (e.g. ``["created_at DESC"]``)."""
    flt = parse_filter(filter, VERSION_FIELDS)
    order = version_order(order_by)
    return paged(
        ctx,
        search_query("versions", filter, order, VERSION_ORDER),
        max_results,
        page_token,
        lambda repo, offset, limit: repo.list_versions(
            flt, offset, limit, order, searchable(repo, ctx.caller, "versions.search_versions")
        ),
    )


def list_versions(
    ctx: Context, name: str, max_results: int | str | None = 100, page_token: str | None = None
) -> Page[ModelVersion]:
    model = get_model(ctx, name)
    return search_versions(ctx, name_equals(model.name), max_results, page_token)


def update_version(ctx: Context, name: str, ref: object, description: str) -> ModelVersion:
    name, vref, description = names.model_name(name), parse_ref(ref), names.description(description)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "versions.update_version", model)
        v = resolve(uow.repo, model, vref)
        uow.repo.update_version(
            model.id, v.version, VersionUpdate(description=description), ctx.clock()
        )
        append_audit(
            ctx,
            uow.repo,
            "version.update",
            model=model,
            version=v.version,
            before={"description": v.description},
            after={"description": description},
        )
        updated = uow.repo.get_version(model.id, v.version)
        uow.commit()
    return updated


def delete_version(ctx: Context, name: str, ref: object) -> None:
    """Soft-delete a version; its number is never reused and its aliases are removed."""
    name, vref = names.model_name(name), parse_ref(ref)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "versions.delete_version", model)
        v = resolve(uow.repo, model, vref)
        for alias in v.aliases:
            uow.repo.delete_alias(model.id, alias)
        uow.repo.delete_version(model.id, v.version, ctx.clock())
        append_audit(
            ctx,
            uow.repo,
            "version.delete",
            model=model,
            version=v.version,
            before={
                "stage": v.stage.value,
                "aliases": list(v.aliases),
                "manifest_digest": v.manifest_digest,
            },
        )
        uow.commit()


def set_version_tag(ctx: Context, name: str, ref: object, key: str, value: str) -> ModelVersion:
    """Set a tag on the version ``ref`` resolves to now; returns that version as it now is."""
    name, vref = names.model_name(name), parse_ref(ref)
    key, value = names.tag_key(key), names.tag_value(value)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "versions.set_version_tag", model)
        v = resolve(uow.repo, model, vref)
        if len(v.tags) >= MAX_TAGS and key not in v.tags:
            raise InvalidArgument(f"a version has at most {MAX_TAGS} tags")
        uow.repo.set_version_tag(model.id, v.version, key, value)
        before = {key: v.tags[key]} if key in v.tags else None
        append_audit(
            ctx,
            uow.repo,
            "version.tag.set",
            model=model,
            version=v.version,
            before=before,
            after={key: value},
        )
        updated = uow.repo.get_version(model.id, v.version)
        uow.commit()
    return updated


def delete_version_tag(ctx: Context, name: str, ref: object, key: str) -> ModelVersion:
    """Remove a tag from the version ``ref`` resolves to; returns that version as it now is."""
    name, vref, key = names.model_name(name), parse_ref(ref), names.tag_key(key)
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "versions.delete_version_tag", model)
        v = resolve(uow.repo, model, vref)
        if key not in v.tags:
            raise NotFound(f"version {v.version} of {model.name!r} has no tag {key!r}")
        uow.repo.delete_version_tag(model.id, v.version, key)
        append_audit(
            ctx,
            uow.repo,
            "version.tag.delete",
            model=model,
            version=v.version,
            before={key: v.tags[key]},
        )
        updated = uow.repo.get_version(model.id, v.version)
        uow.commit()
    return updated
