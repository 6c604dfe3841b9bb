"""One request, one use case, one unit of work: a request applies wholly or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.counting import Counted, counted_server
from tests.api.support import assert_error

STAMP = "2026-01-01T00:00:00+00:00"
DIGEST = "ab" * 32


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Counted]:
    with counted_server(tmp_path_factory.mktemp("one-request") / "store") as s:
        yield s


def _model(srv: Counted, name: str, description: str = "") -> None:
    response = srv.http.post("/api/v1/models", json={"name": name, "description": description})
    assert response.status_code == 201, response.text


def _run(srv: Counted) -> str:
    response = srv.http.post("/api/v1/runs", json={})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _metric(**overrides: Any) -> dict[str, Any]:
    return {"key": "auc", "value": 0.9, "step": 1, "timestamp": STAMP, **overrides}


def test_patch_model_rename_conflict_leaves_description_unchanged(srv: Counted) -> None:
    _model(srv, "Taken")
    _model(srv, "Mine", "before")

    response = srv.http.patch("/api/v1/models/Mine", json={"description": "after", "name": "Taken"})

    assert_error(response, 409, "ALREADY_EXISTS")
    assert srv.http.get("/api/v1/models/Mine").json()["description"] == "before"


def test_patch_model_description_and_name_use_one_unit_of_work(srv: Counted) -> None:
    _model(srv, "Old")
    srv.units.reset()

    response = srv.http.patch("/api/v1/models/Old", json={"description": "d", "name": "New"})

    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["description"]) == ("New", "d")
    assert (srv.units.reads, srv.units.writes) == (0, 1)


def test_patch_run_bad_metric_writes_no_params(srv: Counted) -> None:
    rid = _run(srv)
    body = {"params": {"lr": "0.1"}, "metrics": [_metric(step=2**62 + 1)]}

    assert_error(srv.http.patch(f"/api/v1/runs/{rid}", json=body), 400, "INVALID_ARGUMENT")

    run = srv.http.get(f"/api/v1/runs/{rid}").json()
    assert (run["params"], run["metrics"]) == ({}, [])


def test_patch_run_bad_dataset_writes_nothing(srv: Counted) -> None:
    rid = _run(srv)
    datasets = [
        {"name": "d", "digest": DIGEST, "source": "s"},
        {"name": "e", "digest": "x", "source": "s"},
    ]
    body = {"metrics": [_metric()], "datasets": datasets, "tags": {"t": "1"}}

    assert_error(srv.http.patch(f"/api/v1/runs/{rid}", json=body), 400, "INVALID_ARGUMENT")

    run = srv.http.get(f"/api/v1/runs/{rid}").json()
    assert (run["metrics"], run["datasets"], run["tags"]) == ([], [], {})


def test_patch_run_with_everything_uses_one_unit_of_work(srv: Counted) -> None:
    rid = _run(srv)
    datasets = [{"name": f"d{i}", "digest": DIGEST, "source": "s"} for i in range(3)]
    body = {
        "params": {"lr": "0.1"},
        "metrics": [_metric()],
        "datasets": datasets,
        "tags": {"t": "1"},
        "status": "FINISHED",
    }
    srv.units.reset()

    response = srv.http.patch(f"/api/v1/runs/{rid}", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "FINISHED" and len(response.json()["datasets"]) == 3
    assert (srv.units.reads, srv.units.writes) == (0, 1)


def test_patch_run_end_again_with_same_status_is_a_no_op(srv: Counted) -> None:
    rid = _run(srv)
    first = srv.http.patch(f"/api/v1/runs/{rid}", json={"status": "FAILED"})

    again = srv.http.patch(f"/api/v1/runs/{rid}", json={"status": "FAILED"})

    assert again.status_code == 200 and again.json() == first.json()
    assert_error(srv.http.patch(f"/api/v1/runs/{rid}", json={"status": "KILLED"}), 409, "CONFLICT")


MLFLOW = "/api/2.0/mlflow"


def _mlflow_run(srv: Counted) -> str:
    response = srv.http.post(f"{MLFLOW}/runs/create", json={"experiment_id": "0"})
    assert response.status_code == 200, response.text
    return str(response.json()["run"]["info"]["run_id"])


def _batch(rid: str, value: object) -> dict[str, Any]:
    return {
        "run_id": rid,
        "params": [{"key": "lr", "value": "0.1"}],
        "metrics": [{"key": "auc", "value": value, "timestamp": 1, "step": 0}],
        "tags": [{"key": "team", "value": "risk"}],
    }


def test_log_batch_with_bad_metric_writes_nothing(srv: Counted) -> None:
    rid = _mlflow_run(srv)

    response = srv.http.post(f"{MLFLOW}/runs/log-batch", json=_batch(rid, "NaN"))

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    run = srv.http.get(f"/api/v1/runs/{rid}").json()
    assert (run["params"], run["metrics"], run["tags"]) == ({}, [], {})


def test_log_batch_uses_one_unit_of_work(srv: Counted) -> None:
    rid = _mlflow_run(srv)
    srv.units.reset()

    response = srv.http.post(f"{MLFLOW}/runs/log-batch", json=_batch(rid, 0.5))

    assert response.status_code == 200, response.text
    assert (srv.units.reads, srv.units.writes) == (0, 1)
    run = srv.http.get(f"/api/v1/runs/{rid}").json()
    assert (run["params"], run["tags"]) == ({"lr": "0.1"}, {"team": "risk"})
