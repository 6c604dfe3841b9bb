"""The MLflow tracking endpoints (experiments, runs), translated to ``modelyard.service``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from modelyard.api.mlflow.protocol import Params, add
from modelyard.api.mlflow.render import millis, tag_list
from modelyard.domain.entities import Metric, Run
from modelyard.domain.tracking import Experiment
from modelyard.errors import InvalidArgument
from modelyard.service import runs, tracking
from modelyard.service.context import Context
from modelyard.service.sources import run_root

router = APIRouter(tags=["mlflow"])
_GIT_COMMIT = "mlflow.source.git.commit"
_HEX = re.compile(r"[0-9a-fA-F]{7,64}")


def _experiment(e: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": e.id,
        "name": e.name,
        "artifact_location": f"mlflow-artifacts:/{e.id}",
        "lifecycle_stage": "active",
        "creation_time": millis(e.created_at),
        "last_update_time": millis(e.created_at),
        "tags": [],
    }


def _latest_metrics(run: Run) -> list[dict[str, Any]]:
    latest: dict[str, Metric] = {}
    for m in run.metrics:
        if m.key not in latest or (m.step, m.timestamp) >= (
            latest[m.key].step,
            latest[m.key].timestamp,
        ):
            latest[m.key] = m
    return [_metric(m) for _, m in sorted(latest.items())]


def _metric(m: Metric) -> dict[str, Any]:
    return {"key": m.key, "value": m.value, "timestamp": millis(m.timestamp), "step": m.step}


def _info(ctx: Context, run: Run) -> dict[str, Any]:
    experiment_id = tracking.experiment_of(ctx, run).id
    return {
        "run_id": run.id,
        "run_uuid": run.id,
        "run_name": run.name or run.id[:8],
        "experiment_id": experiment_id,
        "user_id": run.user,
        "status": run.status.value,
        "start_time": millis(run.started_at),
        "end_time": millis(run.ended_at),
        "artifact_uri": f"mlflow-artifacts:/{run_root(experiment_id, run.id)}",
        "lifecycle_stage": "active",
    }


def render_run(ctx: Context, run: Run) -> dict[str, Any]:
    params = [{"key": k, "value": v} for k, v in sorted(run.params.items())]
    return {
        "info": _info(ctx, run),
        "data": {"metrics": _latest_metrics(run), "params": params, "tags": tag_list(run.tags)},
        "inputs": {},
        "outputs": {},
    }


def _timestamp(value: object) -> datetime:
    if value is None or value == "":
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        raise InvalidArgument(f"invalid timestamp {str(value)[:40]!r}") from None


def _to_metric(item: object) -> Metric:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise InvalidArgument("a metric is an object with key, value, timestamp and step")
    p = Params(item)
    value = item.get("value")
    if isinstance(value, str):  # protobuf JSON spells NaN and infinities as strings
        try:
            value = float(value)
        except ValueError:
            raise InvalidArgument(f"metric {item['key'][:40]!r} must be a number") from None
    return Metric(item["key"], value, p.opt_int("step") or 0, _timestamp(item.get("timestamp")))  # type: ignore[arg-type]


# experiments ------------------------------------------------------------------------


def create_experiment(ctx: Context, p: Params) -> dict[str, Any]:
    return {"experiment_id": tracking.create_experiment(ctx, p.string("name")).id}


def get_experiment(ctx: Context, p: Params) -> dict[str, Any]:
    return {"experiment": _experiment(tracking.get_experiment(ctx, p.string("experiment_id")))}


def get_experiment_by_name(ctx: Context, p: Params) -> dict[str, Any]:
    name = p.string("experiment_name")
    return {"experiment": _experiment(tracking.find_experiment(ctx, name))}


def search_experiments(ctx: Context, p: Params) -> dict[str, Any]:
    if p.opt_str("filter"):
        raise InvalidArgument("experiment search filters are not supported")
    limit = min(p.opt_int("max_results") or 1000, 1000)
    page = tracking.search_experiments(ctx, limit, p.opt_str("page_token"))
    out: dict[str, Any] = {"experiments": [_experiment(e) for e in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


# runs -------------------------------------------------------------------------------


def create_run(ctx: Context, p: Params) -> dict[str, Any]:
    experiment = tracking.get_experiment(ctx, p.opt_str("experiment_id") or "0")
    tags = p.tags()
    commit = tags.get(_GIT_COMMIT)
    spec = runs.RunSpec(
        experiment=experiment.name,
        name=p.opt_str("run_name") or tags.get("mlflow.runName", ""),
        tags=tags,
        git_commit=commit.lower() if commit and _HEX.fullmatch(commit) else None,
    )
    return {"run": render_run(ctx, runs.start_run(ctx, spec))}


def get_run(ctx: Context, p: Params) -> dict[str, Any]:
    return {"run": render_run(ctx, runs.get_run(ctx, p.opt_str("run_id") or p.string("run_uuid")))}


def _rid(p: Params) -> str:
    return p.opt_str("run_id") or p.string("run_uuid")


def update_run(ctx: Context, p: Params) -> dict[str, Any]:
    rid, status = _rid(p), p.opt_str("status")
    if status and status not in ("RUNNING", "SCHEDULED"):
        run = runs.end_run(ctx, rid, status)
    else:
        run = runs.get_run(ctx, rid)
    return {"run_info": _info(ctx, run)}


def search_runs(ctx: Context, p: Params) -> dict[str, Any]:
    if p.opt_str("filter") or p.strs("order_by"):
        raise InvalidArgument("run search supports experiment_ids, max_results and page_token")
    ids = p.strs("experiment_ids") or ["0"]
    limit = min(p.opt_int("max_results") or 1000, 1000)
    page = tracking.search_runs(ctx, ids, limit, p.opt_str("page_token"))
    out: dict[str, Any] = {"runs": [render_run(ctx, r) for r in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


def log_metric(ctx: Context, p: Params) -> dict[str, Any]:
    runs.log_metrics(ctx, _rid(p), [_to_metric(p.data)])
    return {}


def log_param(ctx: Context, p: Params) -> dict[str, Any]:
    runs.log_params(ctx, _rid(p), {p.string("key"): p.opt_str("value") or ""})
    return {}


def log_batch(ctx: Context, p: Params) -> dict[str, Any]:
    change = runs.RunChange(
        params=dict(p.tags("params")),
        metrics=[_to_metric(m) for m in p.items("metrics")],
        tags=p.tags(),
    )
    runs.update_run(ctx, _rid(p), change)
    return {}


def set_tag(ctx: Context, p: Params) -> dict[str, Any]:
    runs.set_run_tag(ctx, _rid(p), p.string("key"), p.opt_str("value") or "")
    return {}


def delete_tag(ctx: Context, p: Params) -> dict[str, Any]:
    tracking.delete_run_tag(ctx, p.string("run_id"), p.string("key"))
    return {}


def metric_history(ctx: Context, p: Params) -> dict[str, Any]:
    run, key = runs.get_run(ctx, _rid(p)), p.string("metric_key")
    return {"metrics": [_metric(m) for m in run.metrics if m.key == key]}


def accept_links(ctx: Context, p: Params) -> dict[str, Any]:
    """Run inputs and outputs (datasets, logged models): lineage kept on the logged model."""
    runs.get_run(ctx, _rid(p))
    return {}


for path, methods, handler in [
    ("/experiments/create", ["POST"], create_experiment),
    ("/experiments/get", ["GET"], get_experiment),
    ("/experiments/get-by-name", ["GET"], get_experiment_by_name),
    ("/experiments/search", ["GET", "POST"], search_experiments),
    ("/runs/create", ["POST"], create_run),
    ("/runs/get", ["GET"], get_run),
    ("/runs/update", ["POST"], update_run),
    ("/runs/search", ["POST"], search_runs),
    ("/runs/log-metric", ["POST"], log_metric),
    ("/runs/log-parameter", ["POST"], log_param),
    ("/runs/log-batch", ["POST"], log_batch),
    ("/runs/set-tag", ["POST"], set_tag),
    ("/runs/delete-tag", ["POST"], delete_tag),
    ("/runs/log-inputs", ["POST"], accept_links),
    ("/runs/outputs", ["POST"], accept_links),
    ("/metrics/get-history", ["GET"], metric_history),
]:
    add(router, path, methods, handler)
