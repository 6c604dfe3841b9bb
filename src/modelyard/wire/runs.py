"""Runs on the wire: start, patch (params, metrics, datasets, tags, status) and read."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from modelyard.domain.entities import Dataset, Metric, Run, RunStatus
from modelyard.wire.common import MAX_PYTHON_VERSION, Strict


class RunCreate(Strict):
    experiment: str = "Default"
    name: str = ""
    params: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    git_commit: str | None = None
    git_dirty: bool | None = None
    python_version: str = Field(default="", max_length=MAX_PYTHON_VERSION)
    packages: dict[str, str] = Field(default_factory=dict)


class MetricBody(Strict):
    """One metric point, sent in a patch and returned in a run."""

    key: str
    value: float
    step: int = 0
    timestamp: datetime


class DatasetBody(Strict):
    """One dataset a run used, sent in a patch and returned in a run."""

    name: str
    digest: str
    source: str
    context: str = ""


# The old names, kept while other parts of the code still say them.


class RunPatch(Strict):
    params: dict[str, str] | None = None
    metrics: list[MetricBody] | None = Field(default=None, max_length=1000)
    datasets: list[DatasetBody] | None = Field(default=None, max_length=100)
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
    metrics: list[MetricBody]
    datasets: list[DatasetBody]
    tags: dict[str, str]
    git_commit: str | None
    git_dirty: bool | None
    python_version: str
    packages: dict[str, str]


def metric_out(m: Metric) -> MetricBody:
    return MetricBody(key=m.key, value=m.value, step=m.step, timestamp=m.timestamp)


def dataset_out(d: Dataset) -> DatasetBody:
    return DatasetBody(name=d.name, digest=d.digest, source=d.source, context=d.context)


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


def run_to_domain(w: RunOut) -> Run:
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
