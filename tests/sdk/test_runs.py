"""Runs over both transports: params, metrics with steps, datasets, frozen once ended."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from pathlib import Path

import pytest

import modelyard
from modelyard.client.client import Client
from modelyard.client.runs import code_version, installed_packages
from modelyard.domain.entities import RunStatus
from tests.sdk.support import ACTOR, make_version

DATA_DIGEST = hashlib.sha256(b"training rows").hexdigest()


def test_start_run_records_params_as_strings(client: Client) -> None:
    with modelyard.start_run(params={"n_estimators": 100, "lr": 0.1}, client=client) as run:
        pass

    assert client.get_run(run.id).params == {"n_estimators": "100", "lr": "0.1"}


def test_start_run_records_user_experiment_and_environment(client: Client) -> None:
    with modelyard.start_run(experiment="fraud", name="try-1", client=client) as run:
        pass

    got = client.get_run(run.id)
    assert (got.user, got.experiment, got.name) == (ACTOR, "fraud", "try-1")
    assert got.python_version == platform.python_version()
    assert "scikit-learn" in got.packages


def test_start_run_records_tags(client: Client) -> None:
    with modelyard.start_run(tags={"purpose": "baseline"}, client=client) as run:
        run.set_tag("reviewed", "no")

    assert client.get_run(run.id).tags == {"purpose": "baseline", "reviewed": "no"}


def test_log_param_adds_to_running_run(client: Client) -> None:
    with modelyard.start_run(params={"a": 1}, client=client) as run:
        run.log_param("b", "two")

    assert client.get_run(run.id).params == {"a": "1", "b": "two"}


def test_log_param_same_value_again_is_accepted(client: Client) -> None:
    with modelyard.start_run(params={"a": 1}, client=client) as run:
        run.log_param("a", 1)

    assert client.get_run(run.id).params == {"a": "1"}


def test_log_param_changed_value_raises_conflict(client: Client) -> None:
    with (
        modelyard.start_run(params={"a": 1}, client=client) as run,
        pytest.raises(modelyard.Conflict),
    ):
        run.log_param("a", 2)

    assert client.get_run(run.id).params == {"a": "1"}


def test_log_metric_records_each_step_in_order(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        for step, loss in enumerate([0.9, 0.5, 0.25]):
            run.log_metric("loss", loss, step=step)
        run.log_metric("val_auc", 0.93)

    got = [(m.key, m.value, m.step) for m in client.get_run(run.id).metrics]
    assert got == [("loss", 0.9, 0), ("loss", 0.5, 1), ("loss", 0.25, 2), ("val_auc", 0.93, 0)]


def test_log_metric_timestamps_are_utc_aware(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        run.log_metric("loss", 0.5)

    [metric] = client.get_run(run.id).metrics
    assert metric.timestamp.utcoffset() is not None


def test_log_metric_nan_raises_invalid_argument(client: Client) -> None:
    with modelyard.start_run(client=client) as run, pytest.raises(modelyard.InvalidArgument):
        run.log_metric("loss", float("nan"))

    assert client.get_run(run.id).metrics == ()


def test_log_dataset_records_name_digest_and_source(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        run.log_dataset("train", DATA_DIGEST, "s3://bucket/train.parquet", context="training")

    [ds] = client.get_run(run.id).datasets
    assert (ds.name, ds.digest, ds.source, ds.context) == (
        "train",
        DATA_DIGEST,
        "s3://bucket/train.parquet",
        "training",
    )


def test_log_dataset_malformed_digest_raises_invalid_argument(client: Client) -> None:
    with modelyard.start_run(client=client) as run, pytest.raises(modelyard.InvalidArgument):
        run.log_dataset("train", "md5:abc", "somewhere")

    assert client.get_run(run.id).datasets == ()


def test_start_run_clean_exit_ends_finished(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        pass

    got = client.get_run(run.id)
    assert got.status is RunStatus.FINISHED
    assert got.ended_at is not None and got.ended_at >= got.started_at


def test_start_run_exception_ends_failed(client: Client) -> None:
    with pytest.raises(RuntimeError), modelyard.start_run(client=client) as run:
        raise RuntimeError("training blew up")

    assert client.get_run(run.id).status is RunStatus.FAILED


def test_log_param_on_ended_run_raises_conflict(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        pass

    with pytest.raises(modelyard.Conflict) as err:
        run.log_param("late", 1)

    assert err.value.code == "CONFLICT"
    assert client.get_run(run.id).params == {}


def test_log_metric_on_ended_run_raises_conflict(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        pass

    with pytest.raises(modelyard.Conflict):
        run.log_metric("late", 1.0)

    assert client.get_run(run.id).metrics == ()


def test_log_dataset_on_ended_run_raises_conflict(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        pass

    with pytest.raises(modelyard.Conflict):
        run.log_dataset("late", DATA_DIGEST, "somewhere")

    assert client.get_run(run.id).datasets == ()


def test_set_tag_on_ended_run_raises_conflict(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        pass

    with pytest.raises(modelyard.Conflict):
        run.set_tag("late", "yes")


def test_end_run_twice_raises_conflict(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        pass

    with pytest.raises(modelyard.Conflict):
        run.end("FAILED")

    assert client.get_run(run.id).status is RunStatus.FINISHED


def test_end_inside_with_block_ends_the_run_once(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        run.end("KILLED")

    got = client.get_run(run.id)
    assert got.status is RunStatus.KILLED


def test_end_inside_with_block_then_exception_propagates_it(client: Client) -> None:
    with pytest.raises(RuntimeError), modelyard.start_run(client=client) as run:
        run.end()
        raise RuntimeError("after the end")

    assert client.get_run(run.id).status is RunStatus.FINISHED


def test_installed_packages_is_a_fresh_copy_each_call() -> None:
    first = installed_packages()
    first["scikit-learn"] = "tampered"

    assert installed_packages()["scikit-learn"] != "tampered"


def test_end_run_unknown_status_raises_invalid_argument(client: Client) -> None:
    run = modelyard.start_run(client=client)

    with pytest.raises(modelyard.InvalidArgument):
        run.end("DONE")

    assert client.get_run(run.id).status is RunStatus.RUNNING


def test_create_version_with_run_links_lineage(client: Client) -> None:
    with modelyard.start_run(client=client) as run:
        pass

    mv = make_version(client, "Fraud", run_id=run.id)

    assert client.get_version("Fraud", mv.version).run_id == run.id
    assert [v.version for v in client.search_versions(f"run_id = '{run.id}'").items] == [1]


def test_create_version_with_unknown_run_raises_not_found(client: Client) -> None:
    with pytest.raises(modelyard.NotFound):
        make_version(client, "Fraud", run_id="0" * 32)

    with pytest.raises(modelyard.NotFound):
        client.get_model("Fraud")


def test_get_run_missing_raises_not_found(client: Client) -> None:
    with pytest.raises(modelyard.NotFound) as err:
        client.get_run("0" * 32)

    assert err.value.code == "RESOURCE_NOT_FOUND"


def test_get_run_malformed_id_raises_invalid_argument(client: Client) -> None:
    with pytest.raises(modelyard.InvalidArgument):
        client.get_run("not-a-run-id")


def test_code_version_is_asked_per_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, plain = tmp_path / "repo", tmp_path / "plain"
    plain.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "c"], check=True)
    monkeypatch.chdir(repo)
    in_repo = code_version()
    monkeypatch.chdir(plain)

    outside = code_version()

    assert in_repo[0] is not None and in_repo[1] is False
    assert outside == (None, None)
