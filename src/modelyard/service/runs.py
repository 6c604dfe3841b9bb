"""Runs: the lineage of a version. Append-only while running, frozen once ended."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from modelyard.domain import names
from modelyard.domain.digests import sha256_hex
from modelyard.domain.entities import Dataset, Metric, Run, RunStatus

# Re-exported: these moved to the domain so the SDK can use them without the service.
from modelyard.domain.lineage import RunSpec as RunSpec
from modelyard.domain.lineage import run_id as run_id
from modelyard.errors import Conflict, InvalidArgument
from modelyard.service.context import Context, append_audit
from modelyard.service.permissions import require
from modelyard.service.ports import Repository

MAX_PARAM_VALUE = 6000
MAX_BATCH = 1000
MAX_DATASETS = 100
_COMMIT = re.compile(r"[0-9a-f]{7,64}")


def _commit(value: str | None) -> str | None:
    if value is not None and not _COMMIT.fullmatch(value):
        raise InvalidArgument("git commit must be 7-64 hex digits")
    return value


def _params(params: dict[str, object]) -> dict[str, str]:
    if len(params) > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} params per call")
    return {
        names.tag_key(k): names.text(str(v), "param value", MAX_PARAM_VALUE)
        for k, v in params.items()
    }


def _packages(packages: dict[str, str]) -> dict[str, str]:
    if len(packages) > 10 * MAX_BATCH:
        raise InvalidArgument("too many packages")
    return {
        names.line(k, "package", 256): names.line(v, "package version", 256)
        for k, v in packages.items()
    }


def _new_run(ctx: Context, spec: RunSpec) -> Run:
    """The run a spec describes, checked, before anything is written."""
    return Run(
        id=ctx.new_id(),
        experiment=names.text(spec.experiment, "experiment", 256) or "Default",
        name=names.text(spec.name, "run name", 256),
        status=RunStatus.RUNNING,
        user=ctx.actor,
        started_at=ctx.clock(),
        ended_at=None,
        params={},
        metrics=(),
        datasets=(),
        tags={},
        git_commit=_commit(spec.git_commit),
        git_dirty=spec.git_dirty,
        python_version=names.line(spec.python_version, "python version", 64),
        packages=_packages(spec.packages),
    )


def start_run(ctx: Context, spec: RunSpec) -> Run:
    params, tags = _params(dict(spec.params)), _tags(spec.tags)
    run = _new_run(ctx, spec)
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "runs.start_run")
        uow.repo.add_run(run)
        if params:
            uow.repo.add_params(run.id, params)
        for k, v in tags.items():
            uow.repo.set_run_tag(run.id, k, v)
        after = {"run_id": run.id, "experiment": run.experiment, "git_commit": spec.git_commit}
        append_audit(ctx, uow.repo, "run.start", after=after)
        created = uow.repo.get_run(run.id)
        uow.commit()
    return created


def get_run(ctx: Context, rid: str) -> Run:
    rid = run_id(rid)
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "runs.get_run")
        return uow.repo.get_run(rid)


def _running(run: Run) -> Run:
    if run.status is not RunStatus.RUNNING:
        raise Conflict(f"run {run.id} has ended ({run.status.value}); its lineage is frozen")
    return run


def _metric(m: Metric) -> Metric:
    names.tag_key(m.key)
    if not isinstance(m.value, int | float) or isinstance(m.value, bool):
        raise InvalidArgument(f"metric {m.key!r} must be a number")
    if not isinstance(m.step, int) or isinstance(m.step, bool) or abs(m.step) > 2**62:
        raise InvalidArgument(f"metric {m.key!r} step must be an integer")
    if not math.isfinite(m.value):
        raise InvalidArgument(f"metric {m.key!r} must be finite")
    if m.timestamp.tzinfo is None:
        raise InvalidArgument(f"metric {m.key!r} timestamp must carry a timezone")
    return Metric(m.key, float(m.value), m.step, m.timestamp)


def _metrics(metrics: Iterable[Metric]) -> list[Metric]:
    checked = [_metric(m) for m in metrics]
    if len(checked) > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} metrics per call")
    return checked


def _dataset(dataset: Dataset) -> Dataset:
    return Dataset(
        name=names.text(dataset.name, "dataset name", 256),
        digest=sha256_hex(dataset.digest),
        source=names.text(dataset.source, "dataset source", 2048),
        context=names.text(dataset.context, "dataset context", 64),
    )


def _datasets(datasets: Iterable[Dataset]) -> list[Dataset]:
    checked = [_dataset(d) for d in datasets]
    if len(checked) > MAX_DATASETS:
        raise InvalidArgument(f"at most {MAX_DATASETS} datasets per call")
    return checked


def _tags(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} tags per call")
    return {names.tag_key(k): names.tag_value(v) for k, v in tags.items()}


def _final(status: str | None) -> RunStatus | None:
    if status is None:
        return None
    try:
        final = RunStatus(status)
    except ValueError:
        raise InvalidArgument(f"unknown run status {str(status)[:40]!r}") from None
    if final is RunStatus.RUNNING:
        raise InvalidArgument("a run cannot be ended as RUNNING")
    return final


@dataclass(frozen=True)
class RunChange:
    """What one request adds to a run; ``status`` (a final one) ends it afterwards."""

    params: dict[str, object] = field(default_factory=dict)
    metrics: Sequence[Metric] = ()
    datasets: Sequence[Dataset] = ()
    tags: dict[str, str] = field(default_factory=dict)
    status: str | None = None


@dataclass(frozen=True)
class _Checked:
    params: dict[str, str]
    metrics: list[Metric]
    datasets: list[Dataset]
    tags: dict[str, str]
    status: RunStatus | None

    def empty(self) -> bool:
        return not (self.params or self.metrics or self.datasets or self.tags or self.status)

    def only_ends_as(self, run: Run) -> bool:
        """Ending a run again with the status it ended with changes nothing (a safe retry)."""
        rest = self.params or self.metrics or self.datasets or self.tags
        return not rest and run.status is not RunStatus.RUNNING and self.status is run.status


def _check(change: RunChange) -> _Checked:
    return _Checked(
        params=_params(dict(change.params)),
        metrics=_metrics(change.metrics),
        datasets=_datasets(change.datasets),
        tags=_tags(change.tags),
        status=_final(change.status),
    )


def update_run(ctx: Context, rid: str, change: RunChange) -> Run:
    """Append params, metrics, datasets and tags, then end the run if a status is given.

    One unit of work: the whole change is checked before anything is written, and it
    applies wholly or not at all. Params are write-once; an ended run is frozen.
    """
    rid, checked = run_id(rid), _check(change)
    if checked.empty():
        return get_run(ctx, rid)
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "runs.update_run")
        run = uow.repo.get_run(rid, lock=True)  # a racing end_run waits, or we wait for it
        if checked.only_ends_as(run):
            return run
        _running(run)
        _write(ctx, uow.repo, run, checked)
        updated = uow.repo.get_run(rid)
        uow.commit()
    return updated


def _write(ctx: Context, repo: Repository, run: Run, checked: _Checked) -> None:
    if checked.params:
        _write_params(ctx, repo, run, checked.params)
    if checked.metrics:
        repo.add_metrics(run.id, checked.metrics)
        metrics = [[m.key, m.value, m.step] for m in checked.metrics]
        append_audit(ctx, repo, "run.metrics", after={"run_id": run.id, "metrics": metrics})
    for d in checked.datasets:
        repo.add_dataset(run.id, d)
        after = {"run_id": run.id, "name": d.name, "digest": d.digest, "source": d.source}
        append_audit(ctx, repo, "run.dataset", after=after)
    if checked.tags:
        for key, value in checked.tags.items():
            repo.set_run_tag(run.id, key, value)
        append_audit(ctx, repo, "run.tag.set", after={"run_id": run.id, "tags": checked.tags})
    if checked.status is not None:
        repo.end_run(run.id, checked.status, ctx.clock())
        before, after = {"run_id": run.id, "status": "RUNNING"}, {"status": checked.status.value}
        append_audit(ctx, repo, "run.end", before=before, after={"run_id": run.id, **after})


def _write_params(ctx: Context, repo: Repository, run: Run, params: dict[str, str]) -> None:
    changed = {k for k, v in params.items() if k in run.params and run.params[k] != v}
    if changed:
        raise Conflict(f"params already logged with other values: {sorted(changed)}")
    new = {k: v for k, v in params.items() if k not in run.params}
    if new:
        repo.add_params(run.id, new)
        append_audit(ctx, repo, "run.params", after={"run_id": run.id, "params": new})


def log_params(ctx: Context, rid: str, params: dict[str, object]) -> None:
    """Add params; a param is written once and never changed."""
    update_run(ctx, rid, RunChange(params=params))


def log_metrics(ctx: Context, rid: str, metrics: Iterable[Metric]) -> None:
    update_run(ctx, rid, RunChange(metrics=list(metrics)))


def log_dataset(ctx: Context, rid: str, dataset: Dataset) -> None:
    update_run(ctx, rid, RunChange(datasets=[dataset]))


def set_run_tag(ctx: Context, rid: str, key: str, value: str) -> None:
    set_run_tags(ctx, rid, {key: value})


def set_run_tags(ctx: Context, rid: str, tags: dict[str, str]) -> None:
    """Set several run tags in one transaction (and one audit event)."""
    update_run(ctx, rid, RunChange(tags=tags))


def end_run(ctx: Context, rid: str, status: str = "FINISHED") -> Run:
    """Finish a run; from then on its lineage cannot change. Ending it again with the
    same status is a no-op, so a retried end is safe; another status is a conflict."""
    return update_run(ctx, rid, RunChange(status=status))
