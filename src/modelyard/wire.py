"""The /api/v1 contract: pydantic request and response models, shared by api and client.

Conversions to and from domain records live here too, so the server and the HTTP client
cannot disagree about the shape of a version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import (
    AuditEvent,
    Dataset,
    Metric,
    ModelVersion,
    NewVersion,
    RegisteredModel,
    Run,
    RunStatus,
    StageChange,
)
from modelyard.domain.stages import Stage


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class ModelCreate(Strict):
    name: str = Field(max_length=1024)
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class ModelPatch(Strict):
    name: str | None = Field(default=None, description="a new name renames the model")
    description: str | None = None


class ModelOut(BaseModel):
    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, int]
    latest_version: int
    created_at: datetime
    updated_at: datetime
    created_by: str


class ModelList(BaseModel):
    models: list[ModelOut]
    next_page_token: str | None = None


class FileEntry(Strict):
    path: str = Field(max_length=1024)
    size: StrictInt
    sha256: str


class VersionCreate(Strict):
    files: list[FileEntry] = Field(max_length=100_000)
    flavor: str = Field(default="unknown", max_length=64)
    flavor_metadata: dict[str, Any] = Field(default_factory=dict)
    signature: dict[str, Any] | None = None
    requirements: list[str] = Field(default_factory=list, max_length=1000)
    python_version: str = Field(default="", max_length=32)
    run_id: str | None = None
    source: str = ""
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class VersionPatch(Strict):
    description: str


class VersionOut(BaseModel):
    name: str
    version: int
    stage: str
    description: str
    tags: dict[str, str]
    aliases: list[str]
    manifest_digest: str
    files: list[FileEntry]
    run_id: str | None
    flavor: str
    flavor_metadata: dict[str, Any]
    signature: dict[str, Any] | None
    requirements: list[str]
    python_version: str
    source: str
    created_at: datetime
    updated_at: datetime
    created_by: str


class VersionList(BaseModel):
    versions: list[VersionOut]
    next_page_token: str | None = None


class TransitionIn(Strict):
    stage: str
    archive_existing: bool = True
    comment: str = ""


class RollbackIn(Strict):
    comment: str = ""


class AliasIn(Strict):
    version: StrictInt | StrictStr


class TagIn(Strict):
    value: str


class StageChangeOut(BaseModel):
    name: str
    version: int
    from_stage: str
    to_stage: str
    actor: str
    at: datetime
    comment: str


class HistoryOut(BaseModel):
    changes: list[StageChangeOut]


class AuditEventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    model: str | None
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


class AuditList(BaseModel):
    events: list[AuditEventOut]
    next_page_token: str | None = None


class MissingIn(Strict):
    digests: list[str] = Field(max_length=100_000)


class MissingOut(BaseModel):
    missing: list[str]


class BlobOut(BaseModel):
    digest: str
    size: int


class RunCreate(Strict):
    experiment: str = "Default"
    name: str = ""
    params: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    git_commit: str | None = None
    git_dirty: bool | None = None
    python_version: str = ""
    packages: dict[str, str] = Field(default_factory=dict)


class MetricIn(Strict):
    key: str
    value: float
    step: int = 0
    timestamp: datetime


class DatasetIn(Strict):
    name: str
    digest: str
    source: str
    context: str = ""


class RunPatch(Strict):
    params: dict[str, str] | None = None
    metrics: list[MetricIn] | None = Field(default=None, max_length=1000)
    datasets: list[DatasetIn] | None = Field(default=None, max_length=100)
    tags: dict[str, str] | None = None
    status: str | None = None


class RunOut(BaseModel):
    id: str
    experiment: str
    name: str
    status: str
    user: str
    started_at: datetime
    ended_at: datetime | None
    params: dict[str, str]
    metrics: list[MetricIn]
    datasets: list[DatasetIn]
    tags: dict[str, str]
    git_commit: str | None
    git_dirty: bool | None
    python_version: str
    packages: dict[str, str]


class ProblemOut(BaseModel):
    model: str
    version: int
    path: str
    digest: str
    kind: str


class FsckOut(BaseModel):
    ok: bool
    versions: int
    blobs: int
    audit_events: int
    audit_ok: bool
    problems: list[ProblemOut]


# conversions ---------------------------------------------------------------------------


def model_out(m: RegisteredModel) -> ModelOut:
    return ModelOut(
        name=m.name,
        description=m.description,
        tags=m.tags,
        aliases=m.aliases,
        latest_version=m.latest_version,
        created_at=m.created_at,
        updated_at=m.updated_at,
        created_by=m.created_by,
    )


def model_in(w: ModelOut) -> RegisteredModel:
    return RegisteredModel(
        id="",
        name=w.name,
        description=w.description,
        tags=w.tags,
        aliases=w.aliases,
        created_at=w.created_at,
        updated_at=w.updated_at,
        created_by=w.created_by,
        latest_version=w.latest_version,
    )


def files_out(manifest: Manifest) -> list[FileEntry]:
    return [FileEntry(path=e.path, size=e.size, sha256=e.sha256) for e in manifest.entries]


def manifest_in(files: list[FileEntry]) -> Manifest:
    return Manifest.build(ManifestEntry(f.path, f.size, f.sha256) for f in files)


def version_out(v: ModelVersion) -> VersionOut:
    return VersionOut(
        name=v.name,
        version=v.version,
        stage=v.stage.value,
        description=v.description,
        tags=v.tags,
        aliases=list(v.aliases),
        manifest_digest=v.manifest_digest,
        files=files_out(v.manifest),
        run_id=v.run_id,
        flavor=v.flavor,
        flavor_metadata=v.flavor_metadata,
        signature=v.signature,
        requirements=list(v.requirements),
        python_version=v.python_version,
        source=v.source,
        created_at=v.created_at,
        updated_at=v.updated_at,
        created_by=v.created_by,
    )


def version_in(w: VersionOut) -> ModelVersion:
    return ModelVersion(
        model_id="",
        name=w.name,
        version=w.version,
        stage=Stage(w.stage),
        description=w.description,
        tags=w.tags,
        aliases=tuple(w.aliases),
        manifest_digest=w.manifest_digest,
        manifest=manifest_in(w.files),
        run_id=w.run_id,
        flavor=w.flavor,
        flavor_metadata=w.flavor_metadata,
        signature=w.signature,
        requirements=tuple(w.requirements),
        python_version=w.python_version,
        source=w.source,
        created_at=w.created_at,
        updated_at=w.updated_at,
        created_by=w.created_by,
    )


def version_create(spec: NewVersion) -> VersionCreate:
    return VersionCreate(
        files=files_out(spec.manifest),
        flavor=spec.flavor,
        flavor_metadata=spec.flavor_metadata,
        signature=spec.signature,
        requirements=list(spec.requirements),
        python_version=spec.python_version,
        run_id=spec.run_id,
        source=spec.source,
        description=spec.description,
        tags=spec.tags,
    )


def new_version(w: VersionCreate) -> NewVersion:
    return NewVersion(
        manifest=manifest_in(w.files),
        flavor=w.flavor,
        flavor_metadata=w.flavor_metadata,
        signature=w.signature,
        requirements=tuple(w.requirements),
        python_version=w.python_version,
        run_id=w.run_id,
        source=w.source,
        description=w.description,
        tags=w.tags,
    )


def change_out(c: StageChange) -> StageChangeOut:
    return StageChangeOut(
        name=c.name,
        version=c.version,
        from_stage=c.from_stage.value,
        to_stage=c.to_stage.value,
        actor=c.actor,
        at=c.at,
        comment=c.comment,
    )


def change_in(w: StageChangeOut) -> StageChange:
    return StageChange(
        w.name, w.version, Stage(w.from_stage), Stage(w.to_stage), w.actor, w.at, w.comment
    )


def event_out(e: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        action=e.action,
        model=e.model,
        version=e.version,
        before=e.before,
        after=e.after,
        prev_hash=e.prev_hash,
        hash=e.hash,
    )


def event_in(w: AuditEventOut) -> AuditEvent:
    return AuditEvent(
        w.seq, w.at, w.actor, w.action, w.model, w.version, w.before, w.after, w.prev_hash, w.hash
    )


def metric_out(m: Metric) -> MetricIn:
    return MetricIn(key=m.key, value=m.value, step=m.step, timestamp=m.timestamp)


def dataset_out(d: Dataset) -> DatasetIn:
    return DatasetIn(name=d.name, digest=d.digest, source=d.source, context=d.context)


def run_out(r: Run) -> RunOut:
    return RunOut(
        id=r.id,
        experiment=r.experiment,
        name=r.name,
        status=r.status.value,
        user=r.user,
        started_at=r.started_at,
        ended_at=r.ended_at,
        params=r.params,
        metrics=[metric_out(m) for m in r.metrics],
        datasets=[dataset_out(d) for d in r.datasets],
        tags=r.tags,
        git_commit=r.git_commit,
        git_dirty=r.git_dirty,
        python_version=r.python_version,
        packages=r.packages,
    )


def run_in(w: RunOut) -> Run:
    return Run(
        id=w.id,
        experiment=w.experiment,
        name=w.name,
        status=RunStatus(w.status),
        user=w.user,
        started_at=w.started_at,
        ended_at=w.ended_at,
        params=w.params,
        metrics=tuple(Metric(m.key, m.value, m.step, m.timestamp) for m in w.metrics),
        datasets=tuple(Dataset(d.name, d.digest, d.source, d.context) for d in w.datasets),
        tags=w.tags,
        git_commit=w.git_commit,
        git_dirty=w.git_dirty,
        python_version=w.python_version,
        packages=w.packages,
    )
