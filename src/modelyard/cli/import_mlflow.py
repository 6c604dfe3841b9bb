"""``modelyard import-mlflow --from URL``: copy an MLflow registry into modelyard.

Idempotent: an imported version carries the tag ``mlflow.import.version`` and is found,
not created again, on the next run; stages, aliases, tags and descriptions are set to
MLflow's values (setting a value a second time changes nothing).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard.cli import output
from modelyard.cli.common import JsonFlag, connect
from modelyard.cli.mlflow_source import MlflowSource
from modelyard.client.client import Client
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import Metric, NewVersion
from modelyard.errors import InvalidArgument, ModelyardError, NotFound
from modelyard.service.runs import RunSpec

IMPORTED = "mlflow.import.version"


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


def _tags(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in items or [] if not t["key"].startswith("mlflow.")}


def _ensure_model(client: Client, m: dict[str, Any], summary: Summary) -> None:
    name, description = m["name"], m.get("description") or ""
    try:
        have = client.get_model(name)
        summary.models_existing += 1
    except NotFound:
        client.create_model(name, description, _tags(m.get("tags")))
        summary.models_created += 1
        return
    if have.description != description:
        client.update_model(name, description)
    for key, value in _tags(m.get("tags")).items():
        if have.tags.get(key) != value:
            client.set_model_tag(name, key, value)


def _imported(client: Client, name: str, version: str) -> int | None:
    quoted = name.replace("'", "\\'")
    page = client.search_versions(f"name = '{quoted}' AND tags.`{IMPORTED}` = '{version}'")
    return page.items[0].version if page.items else None


def _import_run(client: Client, src: MlflowSource, run_id: str, summary: Summary) -> str | None:
    run = src.run(run_id)
    if run is None:
        return None
    data, info = run.get("data", {}), run.get("info", {})
    spec = RunSpec(
        experiment="mlflow-import",
        name=str(info.get("run_name", ""))[:256],
        params={p["key"]: p.get("value", "") for p in data.get("params", [])},
        tags={"mlflow.import.run_id": run_id},
    )
    created = client.transport.start_run(spec)
    metrics = [
        Metric(
            m["key"],
            float(m["value"]),
            int(m.get("step", 0)),
            datetime.fromtimestamp(int(m.get("timestamp", 0)) / 1000, UTC),
        )
        for m in data.get("metrics", [])
    ]
    if metrics:
        client.transport.log_metrics(created.id, metrics)
    status = info.get("status", "FINISHED")
    client.transport.end_run(created.id, status if status != "RUNNING" else "FINISHED")
    summary.runs_created += 1
    return created.id


def _upload_files(
    client: Client, src: MlflowSource, root: str, work: Path, summary: Summary
) -> Manifest:
    entries = []
    for i, (rel, _) in enumerate(src.files(root)):
        tmp = work / f"f{i}"
        digest, size = src.fetch(root, rel, tmp)
        if client.transport.missing_blobs([digest]):
            with tmp.open("rb") as f:
                client.transport.upload_blob(digest, f, size)
            summary.files_uploaded += 1
            summary.bytes_uploaded += size
        tmp.unlink()
        entries.append(ManifestEntry(rel, size, digest))
    return Manifest.build(entries)


def _import_version(
    client: Client, src: MlflowSource, v: dict[str, Any], work: Path, summary: Summary
) -> int:
    name, number = v["name"], str(v["version"])
    found = _imported(client, name, number)
    if found is not None:
        summary.versions_existing += 1
        return found
    manifest = _upload_files(client, src, src.download_root(name, number), work, summary)
    run = _import_run(client, src, v["run_id"], summary) if v.get("run_id") else None
    tags = {**_tags(v.get("tags")), IMPORTED: number, "mlflow.import.from": src.url}
    spec = NewVersion(
        manifest=manifest,
        flavor="mlflow",
        run_id=run,
        source=str(v.get("source", ""))[:2048],
        description=v.get("description") or "",
        tags=tags,
    )
    key = hashlib.sha256(f"{src.url}|{name}|{number}".encode()).hexdigest()
    created = client.create_version(name, spec, idempotency_key=f"mlflow-import-{key}")
    summary.versions_created += 1
    return created.version


def _sync_labels(
    client: Client, m: dict[str, Any], versions: list[dict[str, Any]], numbers: dict[str, int]
) -> None:
    name = m["name"]
    for v in versions:
        mine = numbers.get(str(v["version"]))
        if mine is not None and v.get("current_stage", "None") != "None":
            client.transition(name, mine, v["current_stage"], archive_existing=False)
    for a in m.get("aliases", []):
        mine = numbers.get(str(a["version"]))
        if mine is not None:
            client.set_alias(name, a["alias"], mine)


def import_registry(client: Client, src: MlflowSource) -> Summary:
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="modelyard-import-") as tmp:
        for m in src.models():
            try:
                _ensure_model(client, m, summary)
                versions = src.versions(m["name"])
                numbers = {
                    str(v["version"]): _import_version(client, src, v, Path(tmp), summary)
                    for v in versions
                }
                _sync_labels(client, m, versions, numbers)
            except (ModelyardError, KeyError, ValueError) as exc:
                summary.skipped.append(f"{str(m.get('name'))[:128]}: {exc}")
    return summary


def import_mlflow(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--from", help="The MLflow server, http(s)://host:port.")],
    as_json: JsonFlag = False,
) -> None:
    """Copy an MLflow registry (models, versions with their files, stages, aliases, tags,
    descriptions, run params and metrics) into modelyard. Running it again adds nothing."""
    src = MlflowSource(source)
    try:
        with connect(ctx) as client:
            summary = import_registry(client, src)
    finally:
        src.close()
    if as_json:
        output.emit_json(summary)
    else:
        for key, value in vars(summary).items():
            if key != "skipped":
                output.say(f"{key.replace('_', ' ')}:", value)
        for line in summary.skipped:
            output.say("skipped", line)
    if summary.skipped:
        raise InvalidArgument(f"{len(summary.skipped)} model(s) could not be imported")
