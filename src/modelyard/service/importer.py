"""Copy an MLflow registry into modelyard: models, versions with their files, stages,
aliases, tags, descriptions, and the params and metrics of the versions' runs.

Idempotent: an imported version carries the tag ``mlflow.import.version`` and is found,
not created again, on the next run; stages, aliases, tags and descriptions are set to
MLflow's values (setting a value a second time changes nothing). The import reads through
a ``MlflowSource`` and writes through a ``RegistryWriter`` (any client transport), so it
runs the same embedded, over HTTP, from the CLI or from Python.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import Metric, NewVersion
from modelyard.errors import ModelyardError, NotFound
from modelyard.service.ports import MlflowSource, RegistryWriter
from modelyard.service.runs import RunSpec

IMPORTED = "mlflow.import.version"
IMPORTED_FROM = "mlflow.import.from"
IMPORTED_RUN = "mlflow.import.run_id"


@dataclass
class Summary:
    models_created: int = 0
    models_existing: int = 0
    versions_created: int = 0
    versions_existing: int = 0
    files_uploaded: int = 0
    bytes_uploaded: int = 0
    runs_created: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Import:
    """One import: where from, where to, a scratch folder, and the running summary."""

    target: RegistryWriter
    src: MlflowSource
    work: Path
    summary: Summary


def import_registry(target: RegistryWriter, src: MlflowSource) -> Summary:
    """Import every model of ``src``; a model that fails is listed in ``skipped``."""
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="modelyard-import-") as tmp:
        job = _Import(target, src, Path(tmp), summary)
        for m in src.models():
            try:
                _import_model(job, m)
            except (ModelyardError, KeyError, ValueError, TypeError) as exc:
                summary.skipped.append(f"{str(m.get('name'))[:128]}: {exc}")
    return summary


def _import_model(job: _Import, m: dict[str, Any]) -> None:
    _ensure_model(job, m)
    versions = job.src.versions(m["name"])
    numbers = {str(v["version"]): _import_version(job, v) for v in versions}
    _sync_labels(job.target, m, versions, numbers)


def _tags(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in items or [] if not t["key"].startswith("mlflow.")}


def _ensure_model(job: _Import, m: dict[str, Any]) -> None:
    target, name, description = job.target, m["name"], m.get("description") or ""
    try:
        have = target.get_model(name)
    except NotFound:
        target.create_model(name, description, _tags(m.get("tags")))
        job.summary.models_created += 1
        return
    job.summary.models_existing += 1
    if have.description != description:
        target.update_model(name, description)
    for key, value in _tags(m.get("tags")).items():
        if have.tags.get(key) != value:
            target.set_model_tag(name, key, value)


def _imported(target: RegistryWriter, name: str, version: str) -> int | None:
    quoted = name.replace("'", "\\'")
    flt = f"name = '{quoted}' AND tags.`{IMPORTED}` = '{version}'"
    page = target.search_versions(flt, 1, None)
    return page.items[0].version if page.items else None


def _import_run(job: _Import, run_id: str) -> str | None:
    run = job.src.run(run_id)
    if run is None:
        return None
    data, info = run.get("data", {}), run.get("info", {})
    spec = RunSpec(
        experiment="mlflow-import",
        name=str(info.get("run_name", ""))[:256],
        params={p["key"]: p.get("value", "") for p in data.get("params", [])},
        tags={IMPORTED_RUN: run_id},
    )
    created = job.target.start_run(spec)
    metrics = [_metric(m) for m in data.get("metrics", [])]
    if metrics:
        job.target.log_metrics(created.id, metrics)
    status = info.get("status", "FINISHED")
    job.target.end_run(created.id, status if status != "RUNNING" else "FINISHED")
    job.summary.runs_created += 1
    return created.id


def _metric(m: dict[str, Any]) -> Metric:
    at = datetime.fromtimestamp(int(m.get("timestamp", 0)) / 1000, UTC)
    return Metric(m["key"], float(m["value"]), int(m.get("step", 0)), at)


def _upload_files(job: _Import, root: str) -> Manifest:
    entries = []
    for i, (rel, _) in enumerate(job.src.files(root)):
        tmp = job.work / f"f{i}"
        try:
            digest, size = job.src.fetch(root, rel, tmp)
            if job.target.missing_blobs([digest]):
                with tmp.open("rb") as f:
                    job.target.upload_blob(digest, f, size)
                job.summary.files_uploaded += 1
                job.summary.bytes_uploaded += size
        finally:
            tmp.unlink(missing_ok=True)
        entries.append(ManifestEntry(rel, size, digest))
    return Manifest.build(entries)


def _import_version(job: _Import, v: dict[str, Any]) -> int:
    name, number = v["name"], str(v["version"])
    found = _imported(job.target, name, number)
    if found is not None:
        job.summary.versions_existing += 1
        return found
    manifest = _upload_files(job, job.src.download_root(name, number))
    run = _import_run(job, v["run_id"]) if v.get("run_id") else None
    spec = NewVersion(
        manifest=manifest,
        flavor="mlflow",
        run_id=run,
        source=str(v.get("source", ""))[:2048],
        description=v.get("description") or "",
        tags={**_tags(v.get("tags")), IMPORTED: number, IMPORTED_FROM: job.src.url},
    )
    key = hashlib.sha256(f"{job.src.url}|{name}|{number}".encode()).hexdigest()
    created = job.target.create_version(name, spec, f"mlflow-import-{key}")
    job.summary.versions_created += 1
    return created.version


def _sync_labels(
    target: RegistryWriter,
    m: dict[str, Any],
    versions: list[dict[str, Any]],
    numbers: dict[str, int],
) -> None:
    name = m["name"]
    for v in versions:
        mine = numbers.get(str(v["version"]))
        if mine is not None and v.get("current_stage", "None") != "None":
            target.transition(name, str(mine), v["current_stage"], False, "")
    for a in m.get("aliases", []):
        mine = numbers.get(str(a["version"]))
        if mine is not None:
            target.set_alias(name, a["alias"], str(mine))
