"""Runs: the lineage behind versions."""

from __future__ import annotations

from fastapi import APIRouter

from modelyard import wire
from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.domain.entities import Dataset, Metric
from modelyard.service import runs

router = APIRouter(prefix="/api/v1/runs", responses=ERROR_RESPONSES, tags=["runs"])


@router.post("", status_code=201, response_model=wire.RunOut)
def start_run(body: wire.RunCreate, ctx: Ctx) -> wire.RunOut:
    """Start a run with its params, code version and environment."""
    spec = runs.RunSpec(**body.model_dump())
    return wire.run_out(runs.start_run(ctx, spec))


@router.get("/{run_id}", response_model=wire.RunOut)
def get_run(run_id: str, ctx: Ctx) -> wire.RunOut:
    """A run with its params, metrics, datasets and tags."""
    return wire.run_out(runs.get_run(ctx, run_id))


@router.patch("/{run_id}", response_model=wire.RunOut)
def update_run(run_id: str, body: wire.RunPatch, ctx: Ctx) -> wire.RunOut:
    """Append params, metrics, datasets or tags, or end the run (then it is frozen).

    All of it applies or none: a bad metric leaves the params unwritten.
    """
    change = runs.RunChange(
        params=dict(body.params or {}),
        metrics=[Metric(m.key, m.value, m.step, m.timestamp) for m in body.metrics or []],
        datasets=[Dataset(d.name, d.digest, d.source, d.context) for d in body.datasets or []],
        tags=body.tags or {},
        status=body.status,
    )
    return wire.run_out(runs.update_run(ctx, run_id, change))
