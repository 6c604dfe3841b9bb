"""Runs: the lineage of a version. Append-only while running, frozen once ended."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from modelyard.domain import names
from modelyard.domain.digests import sha256_hex
from modelyard.domain.entities import Dataset, Metric, Run, RunStatus
from modelyard.errors import Conflict, InvalidArgument
from modelyard.service.context import Context, append_audit

MAX_PARAM_VALUE = 6000
MAX_BATCH = 1000
_RUN_ID = re.compile(r"[0-9a-f]{32}")
_COMMIT = re.compile(r"[0-9a-f]{7,64}")


@dataclass(frozen=True)
class RunSpec:
    experiment: str = "Default"
    name: str = ""
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    git_commit: str | None = None
    git_dirty: bool | None = None
    python_version: str = ""
    packages: dict[str, str] = field(default_factory=dict)


def _commit(value: str | None) -> str | None:
    if value is not None and not _COMMIT.fullmatch(value):
        raise InvalidArgument("git commit must be 7-64 hex digits")
    return value


def run_id(value: object) -> str:
    if not isinstance(value, str) or not _RUN_ID.fullmatch(value):
        raise InvalidArgument(f"invalid run id {str(value)[:40]!r}")
    return value


def _params(params: dict[str, object]) -> dict[str, str]:
    if len(params) > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} params per call")
    return {
        names.tag_key(k): names.text(str(v), "param value", MAX_PARAM_VALUE)
        for k, v in params.items()
    }


def start_run(ctx: Context, spec: RunSpec) -> Run:
    experiment = names.text(spec.experiment, "experiment", 256) or "Default"
    params = _params(dict(spec.params))
    if len(spec.tags) > MAX_BATCH or len(spec.packages) > 10 * MAX_BATCH:
        raise InvalidArgument("too many run tags or packages")
    tags = {names.tag_key(k): names.tag_value(v) for k, v in spec.tags.items()}
    packages = {
        names.line(k, "package", 256): names.line(v, "package version", 256)
        for k, v in spec.packages.items()
    }
    run = Run(
        id=ctx.new_id(),
        experiment=experiment,
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
        packages=packages,
    )
    with ctx.uow(write=True) as uow:
        uow.repo.add_run(run)
        if params:
            uow.repo.add_params(run.id, params)
        for k, v in tags.items():
            uow.repo.set_run_tag(run.id, k, v)
        append_audit(
            ctx,
            uow.repo,
            "run.start",
            after={"run_id": run.id, "experiment": experiment, "git_commit": spec.git_commit},
        )
        created = uow.repo.get_run(run.id)
        uow.commit()
    return created


def get_run(ctx: Context, rid: str) -> Run:
    rid = run_id(rid)
    with ctx.uow(write=False) as uow:
        return uow.repo.get_run(rid)


def _running(run: Run) -> Run:
    if run.status is not RunStatus.RUNNING:
        raise Conflict(f"run {run.id} has ended ({run.status.value}); its lineage is frozen")
    return run


def log_params(ctx: Context, rid: str, params: dict[str, object]) -> None:
    """Add params; a param is written once and never changed."""
    rid, checked = run_id(rid), _params(params)
    with ctx.uow(write=True) as uow:
        run = _running(uow.repo.get_run(rid, lock=True))
        changed = {k for k, v in checked.items() if k in run.params and run.params[k] != v}
        if changed:
            raise Conflict(f"params already logged with other values: {sorted(changed)}")
        new = {k: v for k, v in checked.items() if k not in run.params}
        if new:
            uow.repo.add_params(rid, new)
            append_audit(ctx, uow.repo, "run.params", after={"run_id": rid, "params": new})
        uow.commit()


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


def log_metrics(ctx: Context, rid: str, metrics: Iterable[Metric]) -> None:
    rid = run_id(rid)
    checked = [_metric(m) for m in metrics]
    if len(checked) > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} metrics per call")
    if not checked:
        return
    with ctx.uow(write=True) as uow:
        _running(uow.repo.get_run(rid, lock=True))
        uow.repo.add_metrics(rid, checked)
        append_audit(
            ctx,
            uow.repo,
            "run.metrics",
            after={"run_id": rid, "metrics": [[m.key, m.value, m.step] for m in checked]},
        )
        uow.commit()


def log_dataset(ctx: Context, rid: str, dataset: Dataset) -> None:
    rid = run_id(rid)
    checked = Dataset(
        name=names.text(dataset.name, "dataset name", 256),
        digest=sha256_hex(dataset.digest),
        source=names.text(dataset.source, "dataset source", 2048),
        context=names.text(dataset.context, "dataset context", 64),
    )
    with ctx.uow(write=True) as uow:
        _running(uow.repo.get_run(rid, lock=True))
        uow.repo.add_dataset(rid, checked)
        append_audit(
            ctx,
            uow.repo,
            "run.dataset",
            after={
                "run_id": rid,
                "name": checked.name,
                "digest": checked.digest,
                "source": checked.source,
            },
        )
        uow.commit()


def set_run_tag(ctx: Context, rid: str, key: str, value: str) -> None:
    set_run_tags(ctx, rid, {key: value})


def set_run_tags(ctx: Context, rid: str, tags: dict[str, str]) -> None:
    """Set several run tags in one transaction (and one audit event)."""
    rid = run_id(rid)
    if len(tags) > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} tags per call")
    checked = {names.tag_key(k): names.tag_value(v) for k, v in tags.items()}
    if not checked:
        return
    with ctx.uow(write=True) as uow:
        _running(uow.repo.get_run(rid, lock=True))
        for key, value in checked.items():
            uow.repo.set_run_tag(rid, key, value)
        append_audit(ctx, uow.repo, "run.tag.set", after={"run_id": rid, "tags": checked})
        uow.commit()


def end_run(ctx: Context, rid: str, status: str = "FINISHED") -> Run:
    """Finish a run; from then on its lineage cannot change."""
    rid = run_id(rid)
    try:
        final = RunStatus(status)
    except ValueError:
        raise InvalidArgument(f"unknown run status {status!r}") from None
    if final is RunStatus.RUNNING:
        raise InvalidArgument("a run cannot be ended as RUNNING")
    with ctx.uow(write=True) as uow:
        _running(uow.repo.get_run(rid, lock=True))
        uow.repo.end_run(rid, final, ctx.clock())
        append_audit(
            ctx,
            uow.repo,
            "run.end",
            before={"run_id": rid, "status": "RUNNING"},
            after={"run_id": rid, "status": final.value},
        )
        ended = uow.repo.get_run(rid)
        uow.commit()
    return ended
