"""Experiments and run queries: the tracking side of the MLflow protocol.

A run names its experiment; the experiment record gives that name an id. The experiment
``Default`` (id ``0``) always exists, stored or not, as it does in MLflow.
"""

from __future__ import annotations

from modelyard.domain import names
from modelyard.domain.entities import Page, Run, RunStatus
from modelyard.domain.tracking import DEFAULT_EXPERIMENT, DEFAULT_EXPERIMENT_ID, Experiment
from modelyard.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from modelyard.service.context import Context, append_audit
from modelyard.service.paging import paged
from modelyard.service.permissions import require
from modelyard.service.ports import Repository
from modelyard.service.runs import run_id

MAX_EXPERIMENT_NAME = 256


def _default(ctx: Context) -> Experiment:
    return Experiment(DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT, ctx.clock(), "modelyard")


def experiment_name(value: object) -> str:
    name = names.line(value, "experiment name", MAX_EXPERIMENT_NAME)
    if not name.strip():
        raise InvalidArgument("experiment name must not be empty")
    return name


def create_experiment(ctx: Context, name: str) -> Experiment:
    name = experiment_name(name)
    if name == DEFAULT_EXPERIMENT:
        raise AlreadyExists(f"experiment {name!r} already exists")
    experiment = Experiment(ctx.new_id(), name, ctx.clock(), ctx.actor)
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "tracking.create_experiment")
        uow.repo.add_experiment(experiment)
        append_audit(ctx, uow.repo, "experiment.create", after={"id": experiment.id, "name": name})
        uow.commit()
    return experiment


def _get(ctx: Context, repo: Repository, experiment_id: str) -> Experiment:
    if experiment_id == DEFAULT_EXPERIMENT_ID:
        return _default(ctx)
    return repo.get_experiment(experiment_id)


def get_experiment(ctx: Context, experiment_id: str) -> Experiment:
    experiment_id = names.line(experiment_id, "experiment id", 64)
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "tracking.get_experiment")
        return _get(ctx, uow.repo, experiment_id)


def find_experiment(ctx: Context, name: str) -> Experiment:
    name = experiment_name(name)
    if name == DEFAULT_EXPERIMENT:
        return _default(ctx)
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "tracking.find_experiment")
        return uow.repo.find_experiment(name)


def experiment_of(ctx: Context, run: Run) -> Experiment:
    """The experiment a run belongs to; runs started outside MLflow may name an unknown one."""
    try:
        return find_experiment(ctx, run.experiment)
    except (NotFound, InvalidArgument):
        return Experiment("", run.experiment, run.started_at, run.user)


def experiment_id_of(repo: Repository, run: Run) -> str:
    """The id of a run's experiment inside the caller's unit of work; "" when unknown."""
    if run.experiment == DEFAULT_EXPERIMENT:
        return DEFAULT_EXPERIMENT_ID
    try:
        return repo.find_experiment(run.experiment).id
    except NotFound:
        return ""


def search_experiments(
    ctx: Context, max_results: int | None = 100, page_token: str | None = None
) -> Page[Experiment]:
    """Every experiment, Default first, then by creation."""

    def fetch(repo: Repository, offset: int, limit: int) -> list[Experiment]:
        require(repo, ctx.caller, "tracking.search_experiments")
        if offset == 0:  # Default is not stored: it takes the first place of the first page
            return [_default(ctx), *repo.list_experiments(0, limit - 1)]
        return repo.list_experiments(offset - 1, limit)

    return paged(ctx, "experiments", max_results, page_token, fetch)


def search_runs(
    ctx: Context,
    experiment_ids: list[str],
    max_results: int | None = 100,
    page_token: str | None = None,
) -> Page[Run]:
    """Runs of these experiments, newest first."""

    def fetch(repo: Repository, offset: int, limit: int) -> list[Run]:
        require(repo, ctx.caller, "tracking.search_runs")
        experiments = [_get(ctx, repo, e).name for e in experiment_ids]
        return repo.list_runs(experiments, offset, limit)

    return paged(ctx, f"runs|{','.join(sorted(experiment_ids))}", max_results, page_token, fetch)


def delete_run_tag(ctx: Context, rid: str, key: str) -> None:
    rid, key = run_id(rid), names.tag_key(key)
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "tracking.delete_run_tag")
        run = uow.repo.get_run(rid, lock=True)
        if run.status is not RunStatus.RUNNING:
            raise Conflict(f"run {rid} has ended ({run.status.value}); its lineage is frozen")
        if key not in run.tags:
            raise NotFound(f"run {rid} has no tag {key!r}")
        uow.repo.delete_run_tag(rid, key)
        append_audit(ctx, uow.repo, "run.tag.delete", before={"run_id": rid, key: run.tags[key]})
        uow.commit()
