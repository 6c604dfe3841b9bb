"""Records behind the MLflow tracking protocol: experiments, artifact files, logged models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT = "Default"


@dataclass(frozen=True)
class Experiment:
    id: str
    name: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class ArtifactRecord:
    """One uploaded file: where the client put it (a checked relative path) and its blob."""

    path: str
    sha256: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class LoggedModel:
    """An MLflow 3 logged model: files under ``artifact_root``, before any registration."""

    id: str
    experiment_id: str
    run_id: str | None
    name: str
    model_type: str
    status: str
    artifact_root: str
    tags: dict[str, str]
    params: dict[str, str]
    created_at: datetime
    updated_at: datetime
    created_by: str
