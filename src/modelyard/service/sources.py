"""MLflow sources: where the artifact proxy keeps a run's and a logged model's files, and
which of those files make up a model version created from an MLflow ``source``.

``models:/m-…`` (a logged model), ``runs:/<run>/<path>`` and ``mlflow-artifacts:/<path>``
become the manifest of the files recorded when the client uploaded them through our proxy;
``models:/NAME/<ref>`` copies another version's manifest. Any other source is kept as an
informational string on a version without files. A source is never opened on the server.
The source is resolved inside the transaction that creates the version, so the files
cannot change between the two.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from modelyard.domain import names
from modelyard.domain.digests import Manifest, ManifestEntry, artifact_path
from modelyard.domain.entities import ModelVersion, NewVersion, RegisteredModel, Run
from modelyard.domain.refs import parse_model_uri
from modelyard.errors import InvalidArgument, NotFound
from modelyard.service import versions
from modelyard.service.context import Context
from modelyard.service.permissions import require
from modelyard.service.ports import Repository
from modelyard.service.runs import run_id as check_run_id
from modelyard.service.tracking import experiment_id_of

# The mlflow client retries a POST up to 7 times (MLFLOW_HTTP_REQUEST_MAX_RETRIES) with
# backoff factor 2 capped at 120 s (about 250 s of sleeps with jitter) and a 120 s timeout per
# attempt (MLFLOW_HTTP_REQUEST_TIMEOUT): about 20 minutes from the first attempt to the last.
RETRY_WINDOW = timedelta(minutes=30)

_LOGGED = "models:/m-"
_RUN_ID = re.compile(r"[0-9a-f]{32}")
_MODEL_ID = re.compile(r"m-[0-9a-f]{32}")


# layout -----------------------------------------------------------------------------


def run_root(experiment_id: str, run_id: str) -> str:
    """The artifact root of a run, relative to the artifact proxy."""
    return f"{experiment_id or 'unknown'}/{run_id}/artifacts"


def logged_model_root(experiment_id: str, model_id: str) -> str:
    """The artifact root of an MLflow 3 logged model, relative to the artifact proxy."""
    return f"{experiment_id}/models/{model_id}/artifacts"


@dataclass(frozen=True)
class Owner:
    """Whose files a proxy path holds: a run's or a logged model's."""

    run_id: str | None = None
    logged_model_id: str | None = None


def owner_of(path: str) -> Owner | None:
    """The run or logged model whose artifact root holds ``path``, if any."""
    parts = path.split("/")
    if len(parts) > 3 and parts[2] == "artifacts" and _RUN_ID.fullmatch(parts[1]):
        return Owner(run_id=parts[1])
    if len(parts) > 4 and parts[1:4:2] == ["models", "artifacts"] and _MODEL_ID.fullmatch(parts[2]):
        return Owner(logged_model_id=parts[2])
    return None


def manifest_under(repo: Repository, prefix: str) -> Manifest:
    """The recorded files under ``prefix``, as a manifest relative to it."""
    prefix = artifact_path(prefix)
    found = repo.list_artifacts(prefix + "/")
    if not found:
        raise InvalidArgument(f"no artifacts are recorded under {prefix!r}")
    cut = len(prefix) + 1
    return Manifest.build(ManifestEntry(r.path[cut:], r.size, r.sha256) for r in found)


# resolution -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRequest:
    """MLflow's ``model-versions/create`` fields."""

    source: str
    run_id: str | None = None
    model_id: str | None = None
    run_link: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def key(self, actor: str, name: str, window: int) -> str:
        """An idempotency key: the same request by the same actor in the same window."""
        fields = [actor, names.name_key(name), self.source, self.run_id, self.model_id]
        body = [*fields, self.run_link, self.description, sorted(self.tags.items()), window]
        digest = hashlib.sha256(json.dumps(body).encode()).hexdigest()
        return f"mlflow-create-{digest}"


def _proxy_path(source: str) -> str:
    rest = source[len("mlflow-artifacts:") :]
    if rest.startswith("//"):  # mlflow-artifacts://host:port/path: the host is ignored
        rest = rest[2:].partition("/")[2]
    return rest.lstrip("/")


def _run(repo: Repository, rid: str) -> Run:
    return repo.get_run(check_run_id(rid))


def _run_files(repo: Repository, source: str) -> tuple[str, Manifest]:
    rid, _, sub = source[len("runs:/") :].partition("/")
    run = _run(repo, rid)
    root = run_root(experiment_id_of(repo, run), run.id)
    return run.id, manifest_under(repo, f"{root}/{sub}" if sub else root)


def _logged_files(repo: Repository, model_id: str) -> tuple[str | None, Manifest]:
    if not _MODEL_ID.fullmatch(model_id):
        raise InvalidArgument(f"invalid logged model id {model_id[:40]!r}")
    logged = repo.get_logged_model(model_id)
    try:
        return logged.run_id, manifest_under(repo, logged.artifact_root)
    except InvalidArgument:
        raise NotFound(f"logged model {model_id} has no uploaded files") from None


def _resolve(repo: Repository, req: SourceRequest) -> tuple[Manifest, str | None, dict[str, Any]]:
    source, rid = req.source, req.run_id
    if req.model_id or source.startswith(_LOGGED):
        logged_id = req.model_id or source[len("models:/") :].rstrip("/")
        logged_run, manifest = _logged_files(repo, logged_id)
        return manifest, rid or logged_run, {"mlflow_model_id": logged_id}
    if source.startswith("runs:/"):
        run, manifest = _run_files(repo, source)
        return manifest, rid or run, {}
    if source.startswith("mlflow-artifacts:"):
        return manifest_under(repo, _proxy_path(source)), rid, {}
    if source.startswith("models:/"):
        uri = parse_model_uri(source)
        other = versions.resolve(repo, repo.get_model(uri.name), uri.ref)
        return other.manifest, rid or other.run_id, dict(other.flavor_metadata)
    return Manifest.build([]), rid, {}


def _spec(ctx: Context, repo: Repository, req: SourceRequest) -> NewVersion:
    manifest, run, metadata = _resolve(repo, req)
    spec = NewVersion(
        manifest=manifest,
        flavor="mlflow",
        flavor_metadata=metadata,
        run_id=run,
        source=req.source,
        description=req.description,
        tags=req.tags,
    )
    return versions.checked_version(ctx, spec)


def _window_key(ctx: Context, repo: Repository, model: RegisteredModel, req: SourceRequest) -> str:
    """The key of this request's window, or of the previous window when the same request
    created a version there less than ``RETRY_WINDOW`` ago (a retry across the boundary)."""
    now = ctx.clock()
    window = int(now.timestamp() // RETRY_WINDOW.total_seconds())
    earlier = req.key(ctx.actor, model.name, window - 1)
    found = repo.find_idempotent(model.id, earlier)
    if found is not None and _created_after(repo, model, found[1], now - RETRY_WINDOW):
        return earlier
    return req.key(ctx.actor, model.name, window)


def _created_after(repo: Repository, model: RegisteredModel, number: int, at: datetime) -> bool:
    try:
        return repo.get_version(model.id, number).created_at > at
    except NotFound:  # deleted since: no version to return, so the request creates one
        return False


def create_version_from_source(ctx: Context, name: str, req: SourceRequest) -> ModelVersion:
    """Register a version of an existing model from an MLflow source, in one unit of work.

    The same request by the same actor within ``RETRY_WINDOW`` of the first returns the
    version the first created: the mlflow client retries a POST whose answer it missed.
    """
    name = names.model_name(name)
    if req.run_id is not None:
        check_run_id(req.run_id)
    if req.source != req.source.strip():
        raise InvalidArgument("source must not have leading or trailing whitespace")
    req = replace(req, run_link=names.line(req.run_link, "run link", 2048))
    with ctx.uow(write=True) as uow:
        model = uow.repo.get_model(name, lock=True)
        require(uow.repo, ctx.caller, "sources.create_version_from_source", model)
        spec = _spec(ctx, uow.repo, req)
        created = versions.insert_version(
            ctx, uow.repo, model, spec, _window_key(ctx, uow.repo, model, req)
        )
        uow.commit()
    return created
