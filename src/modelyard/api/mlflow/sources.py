"""A model version's files from an MLflow ``source``, resolved against our own records.

``models:/m-…`` (a logged model), ``runs:/<run>/<path>`` and ``mlflow-artifacts:/<path>``
become the manifest of the files recorded when the client uploaded them through our proxy;
``models:/NAME/<ref>`` copies another version's manifest. Any other source is kept as an
informational string on a version without files. A source is never opened on the server.
"""

from __future__ import annotations

from typing import Any

from modelyard.api.mlflow.tracking import run_root
from modelyard.domain.digests import Manifest
from modelyard.domain.entities import NewVersion
from modelyard.domain.refs import parse_model_uri
from modelyard.errors import InvalidArgument
from modelyard.service import artifacts, runs, tracking, versions
from modelyard.service.context import Context

_LOGGED = "models:/m-"


def _proxy_path(source: str) -> str:
    rest = source[len("mlflow-artifacts:") :]
    if rest.startswith("//"):  # mlflow-artifacts://host:port/path: the host is ignored
        rest = rest[2:].partition("/")[2]
    return rest.lstrip("/")


def _run_files(ctx: Context, source: str) -> tuple[str, Manifest]:
    body = source[len("runs:/") :]
    rid, _, sub = body.partition("/")
    run = runs.get_run(ctx, rid)
    root = run_root(tracking.experiment_of(ctx, run).id, run.id)
    return run.id, artifacts.manifest_under(ctx, f"{root}/{sub}" if sub else root)


def _resolve(
    ctx: Context, source: str, run_id: str | None, model_id: str | None
) -> tuple[Manifest, str | None, dict[str, Any]]:
    if model_id or source.startswith(_LOGGED):
        logged_id = model_id or source[len("models:/") :].rstrip("/")
        logged, manifest = artifacts.logged_model_manifest(ctx, logged_id)
        return manifest, run_id or logged.run_id, {"mlflow_model_id": logged.id}
    if source.startswith("runs:/"):
        rid, manifest = _run_files(ctx, source)
        return manifest, run_id or rid, {}
    if source.startswith("mlflow-artifacts:"):
        return artifacts.manifest_under(ctx, _proxy_path(source)), run_id, {}
    if source.startswith("models:/"):
        uri = parse_model_uri(source)
        other = versions.get_version(ctx, uri.name, uri.ref)
        return other.manifest, run_id or other.run_id, dict(other.flavor_metadata)
    return Manifest.build([]), run_id, {}


def new_version(
    ctx: Context,
    *,
    source: str,
    run_id: str | None,
    model_id: str | None,
    description: str,
    tags: dict[str, str],
) -> NewVersion:
    """The version to create: files from our artifact records, or none for a foreign source."""
    if run_id is not None:
        runs.run_id(run_id)
    if source != source.strip():
        raise InvalidArgument("source must not have leading or trailing whitespace")
    manifest, run, metadata = _resolve(ctx, source, run_id, model_id)
    return NewVersion(
        manifest=manifest,
        flavor="mlflow",
        flavor_metadata=metadata,
        run_id=run,
        source=source,
        description=description,
        tags=tags,
    )
