"""Artifact files uploaded through the MLflow artifact proxy, and MLflow 3 logged models.

Bytes go into the content-addressed blob store (hashed while streaming); the database
records (relative path → sha256, size). A model version built from such files is resolved
against these records into a ``Manifest``; no client-supplied path or URI is ever opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from modelyard.domain import names
from modelyard.domain.digests import Manifest, ManifestEntry, artifact_path
from modelyard.domain.entities import Page
from modelyard.domain.paging import decode_token, encode_token, page_size
from modelyard.domain.tracking import ArtifactRecord, LoggedModel
from modelyard.errors import InvalidArgument, NotFound
from modelyard.service.context import Context, append_audit
from modelyard.service.ports import Readable
from modelyard.service.runs import run_id
from modelyard.service.tracking import get_experiment

RESERVED = "modelyard-models"  # read-only: registered versions, served from their manifests
LOGGED_MODEL_STATES = frozenset({"PENDING", "READY", "FAILED"})
_MODEL_ID = re.compile(r"m-[0-9a-f]{32}")


@dataclass(frozen=True)
class Listing:
    name: str
    is_dir: bool
    size: int | None


def writable_path(value: object) -> str:
    path = artifact_path(value)
    if path.split("/")[0] == RESERVED:
        raise InvalidArgument(f"{RESERVED}/ holds registered versions and is read-only")
    return path


def put_artifact(ctx: Context, path: str, stream: Readable) -> ArtifactRecord:
    """Store one uploaded file; the path is checked before any byte is written."""
    path = writable_path(path)
    info = ctx.blobs.put(stream)
    rec = ArtifactRecord(path, info.digest, info.size, ctx.clock())
    with ctx.uow(write=True) as uow:
        uow.repo.put_artifact(rec)
        append_audit(
            ctx,
            uow.repo,
            "artifact.put",
            after={"path": path, "sha256": info.digest, "size": info.size},
        )
        uow.commit()
    return rec


def get_artifact(ctx: Context, path: str) -> ArtifactRecord:
    path = artifact_path(path)
    with ctx.uow(write=False) as uow:
        return uow.repo.get_artifact(path)


def _records(ctx: Context, prefix: str) -> list[ArtifactRecord]:
    with ctx.uow(write=False) as uow:
        return uow.repo.list_artifacts(prefix + "/" if prefix else "")


def list_dir(entries: list[tuple[str, int]], prefix: str) -> list[Listing]:
    """The direct children of ``prefix`` among (path, size) files."""
    base = prefix + "/" if prefix else ""
    out: dict[str, Listing] = {}
    for path, size in entries:
        if not path.startswith(base):
            continue
        head, sep, _ = path[len(base) :].partition("/")
        out[head] = Listing(head, True, None) if sep else Listing(head, False, size)
    return [out[k] for k in sorted(out)]


def list_artifacts(ctx: Context, prefix: str) -> list[Listing]:
    prefix = artifact_path(prefix) if prefix else ""
    return list_dir([(r.path, r.size) for r in _records(ctx, prefix)], prefix)


def manifest_under(ctx: Context, prefix: str) -> Manifest:
    """The recorded files under ``prefix``, as a manifest relative to it."""
    prefix = artifact_path(prefix)
    found = _records(ctx, prefix)
    if not found:
        raise InvalidArgument(f"no artifacts are recorded under {prefix!r}")
    cut = len(prefix) + 1
    return Manifest.build(ManifestEntry(r.path[cut:], r.size, r.sha256) for r in found)


# logged models ----------------------------------------------------------------------


def logged_model_id(value: object) -> str:
    if not isinstance(value, str) or not _MODEL_ID.fullmatch(value):
        raise InvalidArgument(f"invalid logged model id {str(value)[:40]!r}")
    return value


def _kv(values: dict[str, str], what: str) -> dict[str, str]:
    if len(values) > 1000:
        raise InvalidArgument(f"at most 1000 {what} per call")
    return {names.tag_key(k): names.text(v, what, 6000) for k, v in values.items()}


def create_logged_model(
    ctx: Context,
    experiment_id: str,
    name: str,
    *,
    run: str | None = None,
    model_type: str = "",
    tags: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> LoggedModel:
    experiment = get_experiment(ctx, experiment_id)
    model_id = f"m-{ctx.new_id()}"
    now = ctx.clock()
    model = LoggedModel(
        id=model_id,
        experiment_id=experiment.id,
        run_id=run_id(run) if run else None,
        name=names.line(name, "model name", 256) or "model",
        model_type=names.line(model_type, "model type", 256),
        status="PENDING",
        artifact_root=f"{experiment.id}/models/{model_id}/artifacts",
        tags=_kv(tags or {}, "tags"),
        params=_kv(params or {}, "params"),
        created_at=now,
        updated_at=now,
        created_by=ctx.actor,
    )
    with ctx.uow(write=True) as uow:
        if model.run_id:
            uow.repo.get_run(model.run_id)
        uow.repo.add_logged_model(model)
        append_audit(
            ctx,
            uow.repo,
            "logged_model.create",
            after={"model_id": model_id, "name": model.name, "run_id": model.run_id},
        )
        uow.commit()
    return model


def get_logged_model(ctx: Context, model_id: str) -> LoggedModel:
    model_id = logged_model_id(model_id)
    with ctx.uow(write=False) as uow:
        return uow.repo.get_logged_model(model_id)


def update_logged_model(
    ctx: Context,
    model_id: str,
    *,
    status: str | None = None,
    tags: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> LoggedModel:
    """Finalize a logged model, or add tags or params to it."""
    model_id = logged_model_id(model_id)
    if status is not None and status not in LOGGED_MODEL_STATES:
        raise InvalidArgument(f"unknown logged model status {status[:40]!r}")
    with ctx.uow(write=True) as uow:
        before = uow.repo.get_logged_model(model_id)
        after = replace(
            before,
            status=status or before.status,
            tags={**before.tags, **_kv(tags or {}, "tags")},
            params={**before.params, **_kv(params or {}, "params")},
            updated_at=ctx.clock(),
        )
        uow.repo.update_logged_model(after)
        append_audit(
            ctx,
            uow.repo,
            "logged_model.update",
            before={"model_id": model_id, "status": before.status},
            after={"model_id": model_id, "status": after.status, "tags": tags, "params": params},
        )
        uow.commit()
    return after


def search_logged_models(
    ctx: Context,
    experiment_ids: list[str],
    name: str | None = None,
    max_results: int | None = 100,
    page_token: str | None = None,
) -> Page[LoggedModel]:
    limit = page_size(max_results)
    query = f"logged|{','.join(sorted(experiment_ids))}|{name}|{limit}"
    offset = decode_token(page_token, query)
    with ctx.uow(write=False) as uow:
        found = uow.repo.list_logged_models(experiment_ids, 0, 100_000)
    if name is not None:
        found = [m for m in found if m.name == name]
    items = found[offset : offset + limit + 1]
    token = encode_token(offset + limit, query) if len(items) > limit else None
    return Page(items[:limit], token)


def logged_model_manifest(ctx: Context, model_id: str) -> tuple[LoggedModel, Manifest]:
    model = get_logged_model(ctx, model_id)
    try:
        return model, manifest_under(ctx, model.artifact_root)
    except InvalidArgument:
        raise NotFound(f"logged model {model_id} has no uploaded files") from None
