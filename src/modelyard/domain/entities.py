"""Registry entities. Plain frozen records; the service builds them, adapters store them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from modelyard.domain.digests import Manifest
from modelyard.domain.stages import Stage


@dataclass(frozen=True)
class RegisteredModel:
    id: str
    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, int]
    created_at: datetime
    updated_at: datetime
    created_by: str
    latest_version: int  # 0 when the model has no live version


@dataclass(frozen=True)
class ModelVersion:
    model_id: str
    name: str
    version: int
    stage: Stage
    description: str
    tags: dict[str, str]
    aliases: tuple[str, ...]
    manifest_digest: str
    manifest: Manifest
    run_id: str | None
    flavor: str
    flavor_metadata: dict[str, Any]
    signature: dict[str, Any] | None
    requirements: tuple[str, ...]
    python_version: str
    source: str  # informational only: never dereferenced by the server
    created_at: datetime
    updated_at: datetime
    created_by: str


@dataclass(frozen=True)
class NewVersion:
    """What a caller supplies to create a version; the service assigns the number."""

    manifest: Manifest
    flavor: str = "unknown"
    flavor_metadata: dict[str, Any] = field(default_factory=dict)
    signature: dict[str, Any] | None = None
    requirements: tuple[str, ...] = ()
    python_version: str = ""
    run_id: str | None = None
    source: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StageChange:
    name: str
    version: int
    from_stage: Stage
    to_stage: Stage
    actor: str
    at: datetime
    comment: str


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


@dataclass(frozen=True)
class Metric:
    key: str
    value: float
    step: int
    timestamp: datetime


@dataclass(frozen=True)
class Dataset:
    name: str
    digest: str
    source: str
    context: str = ""


@dataclass(frozen=True)
class Run:
    id: str
    experiment: str
    name: str
    status: RunStatus
    user: str
    started_at: datetime
    ended_at: datetime | None
    params: dict[str, str]
    metrics: tuple[Metric, ...]
    datasets: tuple[Dataset, ...]
    tags: dict[str, str]
    git_commit: str | None
    git_dirty: bool | None
    python_version: str
    packages: dict[str, str]


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    action: str  # e.g. model.create, version.transition, alias.set
    model: str | None
    version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str
    model_id: str | None = None  # the model's identity; ``model`` is its name at the time
    hash_version: int = 1  # 2: the hash covers model_id as well


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str | None = None
