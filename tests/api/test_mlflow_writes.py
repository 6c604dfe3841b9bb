"""The MLflow adapter's writes through its protocol: versions from sources in one unit of
work, retried creates, frozen artifacts, and one snapshot for the latest versions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.counting import Counted, counted_server

API = "/api/2.0/mlflow"
FILES = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Counted]:
    with counted_server(tmp_path_factory.mktemp("mlflow-writes") / "store") as s:
        yield s


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _run(srv: Counted) -> tuple[str, str]:
    """A new run and its artifact root on the proxy."""
    info = _ok(srv.http.post(f"{API}/runs/create", json={"experiment_id": "0"}))["run"]["info"]
    return info["run_id"], info["artifact_uri"].removeprefix("mlflow-artifacts:/")


def _model(srv: Counted, name: str) -> None:
    _ok(srv.http.post(f"{API}/registered-models/create", json={"name": name}))


def _create(srv: Counted, name: str, source: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "source": source, **extra}
    version: dict[str, Any] = _ok(srv.http.post(f"{API}/model-versions/create", json=body))[
        "model_version"
    ]
    return version


def test_put_artifact_of_ended_run_is_refused_and_keeps_the_file(srv: Counted) -> None:
    rid, root = _run(srv)
    _ok(srv.http.put(f"{FILES}/{root}/model.pkl", content=b"original"))
    _ok(srv.http.post(f"{API}/runs/update", json={"run_id": rid, "status": "FINISHED"}))

    response = srv.http.put(f"{FILES}/{root}/model.pkl", content=b"replaced")

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert srv.http.get(f"{FILES}/{root}/model.pkl").content == b"original"


def test_put_new_artifact_of_ended_run_is_refused(srv: Counted) -> None:
    rid, root = _run(srv)
    _ok(srv.http.post(f"{API}/runs/update", json={"run_id": rid, "status": "FAILED"}))

    response = srv.http.put(f"{FILES}/{root}/late.txt", content=b"late")

    assert response.status_code == 400
    assert srv.http.get(f"{FILES}/{root}/late.txt").status_code == 404


def test_put_artifact_of_finalized_logged_model_is_refused(srv: Counted) -> None:
    model = _ok(srv.http.post(f"{API}/logged-models", json={"experiment_id": "0"}))["model"]
    model_id = model["info"]["model_id"]
    root = model["info"]["artifact_uri"].removeprefix("mlflow-artifacts:/")
    _ok(srv.http.put(f"{FILES}/{root}/MLmodel", content=b"flavors: {}"))
    _ok(srv.http.patch(f"{API}/logged-models/{model_id}", json={"status": "LOGGED_MODEL_READY"}))

    response = srv.http.put(f"{FILES}/{root}/MLmodel", content=b"flavors: {evil: 1}")

    assert response.status_code == 400
    assert srv.http.get(f"{FILES}/{root}/MLmodel").content == b"flavors: {}"


def test_create_version_from_run_source_uses_one_unit_of_work(srv: Counted) -> None:
    rid, root = _run(srv)
    _ok(srv.http.put(f"{FILES}/{root}/m/model.pkl", content=b"weights"))
    _model(srv, "FromRun")
    srv.units.reset()

    version = _create(srv, "FromRun", f"runs:/{rid}/m", run_id=rid)

    assert (version["version"], version["run_id"]) == ("1", rid)
    assert (srv.units.reads, srv.units.writes) == (0, 1)


def test_create_version_sent_twice_makes_one_version(srv: Counted) -> None:
    rid, root = _run(srv)
    _ok(srv.http.put(f"{FILES}/{root}/m/model.pkl", content=b"weights"))
    _model(srv, "Retried")
    first = _create(srv, "Retried", f"runs:/{rid}/m", run_id=rid, tags=[{"key": "a", "value": "1"}])

    again = _create(srv, "Retried", f"runs:/{rid}/m", run_id=rid, tags=[{"key": "a", "value": "1"}])
    other = _create(srv, "Retried", f"runs:/{rid}/m", run_id=rid, description="another")

    assert again["version"] == first["version"] == "1"
    assert other["version"] == "2"


def test_get_registered_model_reads_latest_versions_in_one_unit_of_work(srv: Counted) -> None:
    _model(srv, "Latest")
    for i in range(3):
        _create(srv, "Latest", f"s3://bucket/{i}")
    stage = {"name": "Latest", "version": "1", "stage": "Production"}
    _ok(srv.http.post(f"{API}/model-versions/transition-stage", json=stage))
    srv.units.reset()

    body = _ok(srv.http.get(f"{API}/registered-models/get", params={"name": "Latest"}))

    latest = body["registered_model"]["latest_versions"]
    assert [(v["version"], v["current_stage"]) for v in latest] == [
        ("3", "None"),
        ("1", "Production"),
    ]
    assert (srv.units.reads, srv.units.writes) == (1, 0)
