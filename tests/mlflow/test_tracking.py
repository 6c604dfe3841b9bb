"""Experiments and runs through the real mlflow client."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests
from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException

import mlflow
from mlflow import MlflowClient


def test_set_experiment_creates_then_finds_it(client: MlflowClient) -> None:
    name = f"exp-{uuid.uuid4().hex[:8]}"
    first = mlflow.set_experiment(name)
    again = mlflow.set_experiment(name)
    assert first.experiment_id == again.experiment_id
    assert client.get_experiment_by_name(name).name == name
    assert client.get_experiment(first.experiment_id).name == name


def test_duplicate_experiment_is_refused(client: MlflowClient) -> None:
    name = f"exp-{uuid.uuid4().hex[:8]}"
    client.create_experiment(name)
    with pytest.raises(MlflowException) as exc:
        client.create_experiment(name)
    assert exc.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_run_params_metrics_tags_round_trip(client: MlflowClient) -> None:
    mlflow.set_experiment(f"exp-{uuid.uuid4().hex[:8]}")
    with mlflow.start_run() as run:
        mlflow.log_param("n_estimators", 100)
        mlflow.log_params({"max_depth": 5, "criterion": "gini"})
        mlflow.log_metric("auc", 0.9, step=0)
        mlflow.log_metric("auc", 0.93, step=1)
        mlflow.log_metrics({"loss": 0.2})
        mlflow.set_tag("team", "fraud")
        mlflow.set_tag("temp", "x")
        client.delete_tag(run.info.run_id, "temp")
    got = client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED"
    assert got.data.params == {"n_estimators": "100", "max_depth": "5", "criterion": "gini"}
    assert got.data.metrics == {"auc": 0.93, "loss": 0.2}
    assert got.data.tags["team"] == "fraud" and "temp" not in got.data.tags
    history = client.get_metric_history(run.info.run_id, "auc")
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.93)]


def test_changed_param_is_invalid_parameter_value(client: MlflowClient) -> None:
    with mlflow.start_run():
        mlflow.log_param("lr", 0.1)
        with pytest.raises(MlflowException) as exc:
            mlflow.log_param("lr", 0.2)
    assert exc.value.error_code == "INVALID_PARAMETER_VALUE"


def test_search_runs_in_experiment(client: MlflowClient) -> None:
    exp = mlflow.set_experiment(f"exp-{uuid.uuid4().hex[:8]}")
    ids = []
    for _ in range(3):
        with mlflow.start_run() as run:
            ids.append(run.info.run_id)
    found = client.search_runs([exp.experiment_id], max_results=2)
    rest = client.search_runs([exp.experiment_id], max_results=2, page_token=found.token)
    assert sorted(r.info.run_id for r in [*found, *rest]) == sorted(ids)


def test_missing_run_is_resource_does_not_exist(client: MlflowClient) -> None:
    with pytest.raises(MlflowException) as exc:
        client.get_run(uuid.uuid4().hex)
    assert exc.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_log_artifact_after_run_ended_is_refused(client: MlflowClient, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("original")
    run = client.create_run("0")
    client.log_artifact(run.info.run_id, str(path))
    client.set_terminated(run.info.run_id)
    path.write_text("replaced")

    with pytest.raises(requests.HTTPError, match="its files are frozen"):
        client.log_artifact(run.info.run_id, str(path))

    copy = client.download_artifacts(run.info.run_id, "notes.txt", str(tmp_path / "out"))
    assert Path(copy).read_text() == "original"


def test_log_batch_with_bad_metric_logs_nothing(client: MlflowClient) -> None:
    run = client.create_run("0")
    metrics = [Metric("auc", float("nan"), 0, 0)]

    with pytest.raises(MlflowException):
        client.log_batch(run.info.run_id, metrics=metrics, params=[Param("lr", "0.1")])

    data = client.get_run(run.info.run_id).data
    assert (data.params, data.metrics) == ({}, {})
