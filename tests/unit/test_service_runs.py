"""Runs: lineage that is append-only while running and frozen once ended."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.entities import Dataset, Metric, Run, RunStatus
from modelyard.errors import Conflict, InvalidArgument, NotFound
from modelyard.service import runs
from modelyard.service.context import Context
from tests.fakes import START, FakeUnitOfWorkFactory

DIGEST = "d" * 64


@pytest.fixture
def run(ctx: Context) -> Run:
    return runs.start_run(ctx, runs.RunSpec(params={"n_estimators": "100"}, tags={"team": "risk"}))


def _metric(key: str, value: float, step: int = 0) -> Metric:
    return Metric(key, value, step, START)


def test_start_run_is_running_with_actor_as_user(run: Run) -> None:
    assert (run.status, run.user, run.ended_at) == (RunStatus.RUNNING, "alice", None)


def test_start_run_assigns_32_hex_id(run: Run) -> None:
    assert runs.run_id(run.id) == run.id


def test_start_run_stores_params_and_tags(run: Run) -> None:
    assert (run.params, run.tags) == ({"n_estimators": "100"}, {"team": "risk"})


def test_start_run_empty_experiment_defaults(ctx: Context) -> None:
    assert runs.start_run(ctx, runs.RunSpec(experiment="")).experiment == "Default"


def test_start_run_bad_param_key_raises_invalid_argument_and_commits_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    with pytest.raises(InvalidArgument):
        runs.start_run(ctx, runs.RunSpec(params={" bad": "1"}))
    assert (store.commits, store.state.runs) == (0, {})


@pytest.mark.parametrize(
    "spec",
    [runs.RunSpec(git_commit="\x1b[2Jabc"), runs.RunSpec(python_version="\u202e3.11")],
    ids=["git_commit", "python_version"],
)
def test_start_run_control_characters_in_lineage_raise_invalid_argument(
    ctx: Context, spec: runs.RunSpec
) -> None:
    with pytest.raises(InvalidArgument):
        runs.start_run(ctx, spec)


def test_start_run_ten_thousand_tags_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        runs.start_run(ctx, runs.RunSpec(tags={f"k{i}": "v" for i in range(10_000)}))


def test_get_run_returns_stored_run(ctx: Context, run: Run) -> None:
    assert runs.get_run(ctx, run.id) == run


def test_get_run_unknown_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        runs.get_run(ctx, "e" * 32)


@pytest.mark.parametrize("rid", ["", "E" * 32, "e" * 31, "../" + "e" * 29, None, "e" * 32 + "\n"])
def test_get_run_malformed_id_raises_invalid_argument(ctx: Context, rid: object) -> None:
    with pytest.raises(InvalidArgument):
        runs.get_run(ctx, rid)  # type: ignore[arg-type]


def test_log_params_adds_new_params(ctx: Context, run: Run) -> None:
    runs.log_params(ctx, run.id, {"max_depth": 5})
    assert runs.get_run(ctx, run.id).params == {"n_estimators": "100", "max_depth": "5"}


def test_log_params_same_value_records_nothing(
    ctx: Context, run: Run, store: FakeUnitOfWorkFactory
) -> None:
    before = len(store.state.audit)
    runs.log_params(ctx, run.id, {"n_estimators": "100"})
    assert len(store.state.audit) == before


def test_log_params_other_value_raises_conflict(ctx: Context, run: Run) -> None:
    with pytest.raises(Conflict):
        runs.log_params(ctx, run.id, {"n_estimators": "200"})


def test_log_params_conflict_keeps_original_and_adds_nothing(ctx: Context, run: Run) -> None:
    with pytest.raises(Conflict):
        runs.log_params(ctx, run.id, {"n_estimators": "200", "new": "1"})
    assert runs.get_run(ctx, run.id).params == {"n_estimators": "100"}


def test_log_params_too_long_value_raises_invalid_argument(ctx: Context, run: Run) -> None:
    with pytest.raises(InvalidArgument):
        runs.log_params(ctx, run.id, {"big": "x" * (runs.MAX_PARAM_VALUE + 1)})


def test_log_metrics_keeps_every_step(ctx: Context, run: Run) -> None:
    runs.log_metrics(ctx, run.id, [_metric("loss", 0.9, 0), _metric("loss", 0.5, 1)])
    runs.log_metrics(ctx, run.id, [_metric("loss", 0.3, 2)])
    logged = [(m.key, m.value, m.step) for m in runs.get_run(ctx, run.id).metrics]
    assert logged == [("loss", 0.9, 0), ("loss", 0.5, 1), ("loss", 0.3, 2)]


def test_log_metrics_stores_ints_as_floats(ctx: Context, run: Run) -> None:
    runs.log_metrics(ctx, run.id, [_metric("count", 3)])
    assert runs.get_run(ctx, run.id).metrics[0].value == 3.0


@pytest.mark.parametrize(
    "metric",
    [
        _metric("loss", float("nan")),
        _metric("loss", True),
        _metric("loss", "0.5"),  # type: ignore[arg-type]
        _metric(" loss", 0.5),
        Metric("loss", 0.5, 2**63, START),
        Metric("loss", 0.5, 1.5, START),  # type: ignore[arg-type]
    ],
)
def test_log_metrics_malformed_raises_invalid_argument(
    ctx: Context, run: Run, metric: Metric
) -> None:
    with pytest.raises(InvalidArgument):
        runs.log_metrics(ctx, run.id, [metric])


def test_log_metrics_too_many_raises_invalid_argument(ctx: Context, run: Run) -> None:
    batch = [_metric("loss", 0.1, i) for i in range(runs.MAX_BATCH + 1)]
    with pytest.raises(InvalidArgument):
        runs.log_metrics(ctx, run.id, batch)


def test_log_metrics_empty_batch_records_no_event(
    ctx: Context, run: Run, store: FakeUnitOfWorkFactory
) -> None:
    before = len(store.state.audit)
    runs.log_metrics(ctx, run.id, [])
    assert len(store.state.audit) == before


def test_log_dataset_stores_dataset(ctx: Context, run: Run) -> None:
    runs.log_dataset(ctx, run.id, Dataset("train", "sha256:" + DIGEST, "s3://b/train.parquet"))
    assert runs.get_run(ctx, run.id).datasets == (Dataset("train", DIGEST, "s3://b/train.parquet"),)


def test_log_dataset_bad_digest_raises_invalid_argument(ctx: Context, run: Run) -> None:
    with pytest.raises(InvalidArgument):
        runs.log_dataset(ctx, run.id, Dataset("train", "md5:abc", "somewhere"))


def test_set_run_tag_stores_tag(ctx: Context, run: Run) -> None:
    runs.set_run_tag(ctx, run.id, "stage", "tuning")
    assert runs.get_run(ctx, run.id).tags == {"team": "risk", "stage": "tuning"}


def test_end_run_finishes_run(ctx: Context, run: Run) -> None:
    ended = runs.end_run(ctx, run.id)
    assert (ended.status, ended.ended_at is not None) == (RunStatus.FINISHED, True)


@pytest.mark.parametrize("status", ["FAILED", "KILLED"])
def test_end_run_with_other_final_status_records_it(ctx: Context, run: Run, status: str) -> None:
    assert runs.end_run(ctx, run.id, status).status == status


@pytest.mark.parametrize("status", ["RUNNING", "finished", "DONE", ""])
def test_end_run_bad_status_raises_invalid_argument(ctx: Context, run: Run, status: str) -> None:
    with pytest.raises(InvalidArgument):
        runs.end_run(ctx, run.id, status)


FROZEN_OPS: dict[str, Callable[[Context, str], object]] = {
    "params": lambda ctx, rid: runs.log_params(ctx, rid, {"late": "1"}),
    "metrics": lambda ctx, rid: runs.log_metrics(ctx, rid, [_metric("late", 1.0)]),
    "dataset": lambda ctx, rid: runs.log_dataset(ctx, rid, Dataset("d", DIGEST, "s")),
    "tag": lambda ctx, rid: runs.set_run_tag(ctx, rid, "late", "1"),
    "end": lambda ctx, rid: runs.end_run(ctx, rid, "FAILED"),
}


@pytest.mark.parametrize("op", FROZEN_OPS.values(), ids=FROZEN_OPS.keys())
def test_finished_run_refuses_more_logging_with_conflict(
    ctx: Context, run: Run, op: Callable[[Context, str], object]
) -> None:
    runs.end_run(ctx, run.id)
    with pytest.raises(Conflict):
        op(ctx, run.id)


@pytest.mark.parametrize("op", FROZEN_OPS.values(), ids=FROZEN_OPS.keys())
def test_finished_run_refusal_leaves_run_unchanged(
    ctx: Context, run: Run, op: Callable[[Context, str], object]
) -> None:
    ended = runs.end_run(ctx, run.id)
    with pytest.raises(Conflict):
        op(ctx, run.id)
    assert runs.get_run(ctx, run.id) == ended


@pytest.mark.parametrize("op", FROZEN_OPS.values(), ids=FROZEN_OPS.keys())
def test_logging_to_unknown_run_raises_not_found(
    ctx: Context, op: Callable[[Context, str], object]
) -> None:
    with pytest.raises(NotFound):
        op(ctx, "e" * 32)
