"""Artifact files uploaded through the MLflow artifact proxy, and MLflow 3 logged models.

Bytes go into the content-addressed blob store (hashed while streaming); the database
records (relative path → sha256, size). A model version built from such files is resolved
against these records into a ``Manifest``; no client-supplied path or URI is ever opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from modelyard.domain import names
from modelyard.domain.digests import ManifestEntry, artifact_path
from modelyard.domain.entities import Page, RunStatus
from modelyard.domain.tracking import ArtifactRecord, LoggedModel
from modelyard.errors import Conflict, InvalidArgument, NotFound
from modelyard.service.context import Context, append_audit
from modelyard.service.paging import paged
from modelyard.service.permissions import require
from modelyard.service.ports import Readable, Repository
from modelyard.service.runs import run_id
from modelyard.service.sources import logged_model_root, owner_of
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


def _ensure_writable(repo: Repository, path: str) -> None:
    """A run's files change only while it runs; a logged model's until it is finalized."""
    owner = owner_of(path)
    try:
        if owner is not None and owner.run_id is not None:
            run = repo.get_run(owner.run_id, lock=True)
            if run.status is not RunStatus.RUNNING:
                raise Conflict(f"run {run.id} has ended ({run.status.value}); its files are frozen")
        elif owner is not None and owner.logged_model_id is not None:
            model = repo.get_logged_model(owner.logged_model_id)
            if model.status != "PENDING":
                raise Conflict(f"logged model {model.id} is {model.status}; its files are frozen")
    except NotFound:
        return  # no such owner: nothing to protect


def check_writable(ctx: Context, path: str) -> str:
    """The checked path, refused before any byte is read if its owner is frozen."""
    path = writable_path(path)
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "artifacts.check_writable")
        _ensure_writable(uow.repo, path)
    return path


def put_artifact(ctx: Context, path: str, stream: Readable) -> ArtifactRecord:
    """Store one uploaded file; the path and its owner are checked before any byte is
    written, and the owner again in the transaction that records it (it may have ended)."""
    path = check_writable(ctx, path)
    info = ctx.blobs.put(stream)
    rec = ArtifactRecord(path, info.digest, info.size, ctx.clock())
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "artifacts.put_artifact")
        _ensure_writable(uow.repo, path)
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
        require(uow.repo, ctx.caller, "artifacts.get_artifact")
        return uow.repo.get_artifact(path)


def _version_files(
    ctx: Context, repo: Repository, parts: list[str], use_case: str
) -> tuple[list[ManifestEntry], str]:
    """A registered version's files and the path inside it, from modelyard-models/N/V/…;
    the caller must be able to read the model."""
    if len(parts) < 3:
        raise NotFound(f"name a registered version: {RESERVED}/<name>/<version>/…")
    model = repo.get_model(names.model_name(parts[1]))
    require(repo, ctx.caller, use_case, model)
    require(repo, ctx.caller, "versions.get_version", model)
    v = repo.get_version(model.id, names.version_number(parts[2]))
    return list(v.manifest.entries), "/".join(parts[3:])


def artifact_entry(ctx: Context, path: str) -> ManifestEntry:
    """The file a proxy path names: an uploaded file, or a file of a registered version
    under the read-only ``modelyard-models/<name>/<version>/`` tree."""
    path = artifact_path(path)
    parts = path.split("/")
    with ctx.uow(write=False) as uow:
        if parts[0] != RESERVED:
            require(uow.repo, ctx.caller, "artifacts.artifact_entry")
            rec = uow.repo.get_artifact(path)
            return ManifestEntry(path, rec.size, rec.sha256)
        entries, sub = _version_files(ctx, uow.repo, parts, "artifacts.artifact_entry")
    for e in entries:
        if e.path == sub:
            return e
    raise NotFound(f"artifact {path!r} does not exist")


def _records(ctx: Context, prefix: str) -> list[ArtifactRecord]:
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "artifacts.list_artifacts")
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
    """The direct children of ``prefix``: uploaded files, or a registered version's files."""
    prefix = artifact_path(prefix) if prefix else ""
    parts = prefix.split("/") if prefix else []
    if parts and parts[0] == RESERVED:
        with ctx.uow(write=False) as uow:
            entries, sub = _version_files(ctx, uow.repo, parts, "artifacts.list_artifacts")
        return list_dir([(e.path, e.size) for e in entries], sub)
    return list_dir([(r.path, r.size) for r in _records(ctx, prefix)], prefix)


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
        artifact_root=logged_model_root(experiment.id, model_id),
        tags=_kv(tags or {}, "tags"),
        params=_kv(params or {}, "params"),
        created_at=now,
        updated_at=now,
        created_by=ctx.actor,
    )
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "artifacts.create_logged_model")
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
        require(uow.repo, ctx.caller, "artifacts.get_logged_model")
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
        require(uow.repo, ctx.caller, "artifacts.update_logged_model")
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


def _logged_models(
    ctx: Context, repo: Repository, ids: list[str], offset: int, limit: int, name: str | None
) -> list[LoggedModel]:
    require(repo, ctx.caller, "artifacts.search_logged_models")
    return repo.list_logged_models(ids, offset, limit, name)


def search_logged_models(
    ctx: Context,
    experiment_ids: list[str],
    name: str | None = None,
    max_results: int | None = 100,
    page_token: str | None = None,
) -> Page[LoggedModel]:
    query = f"logged|{','.join(sorted(experiment_ids))}|{name}"
    return paged(
        ctx,
        query,
        max_results,
        page_token,
        lambda repo, offset, limit: _logged_models(ctx, repo, experiment_ids, offset, limit, name),
    )
