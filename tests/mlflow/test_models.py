"""The seed scenario: mlflow.sklearn.log_model against modelyard, then load it back."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

import mlflow
from mlflow import MlflowClient
from modelyard.client.client import Client
from tests.e2e.servers import BIN, clean_env

NAME = "FraudDetectionModel"
TRUSTED = ["sklearn.tree._tree.Tree"]


@pytest.fixture(scope="module")
def data() -> tuple[Any, Any]:
    return make_classification(n_samples=200, n_features=8, random_state=0)


def _fit(data: tuple[Any, Any], seed: int) -> RandomForestClassifier:
    x, y = data
    return RandomForestClassifier(n_estimators=5, max_depth=4, random_state=seed).fit(x, y)


@pytest.fixture(scope="module")
def seeded(url: str, data: tuple[Any, Any]) -> dict[str, Any]:
    """Three runs of the seed code; versions 1, 2, 3 of FraudDetectionModel."""
    mlflow.set_tracking_uri(url)
    mlflow.set_registry_uri(url)
    mlflow.set_experiment("fraud")
    out: dict[str, Any] = {"models": [], "runs": [], "infos": []}
    for seed in range(3):
        model = _fit(data, seed)
        with mlflow.start_run() as run:
            mlflow.log_param("seed", seed)
            info = mlflow.sklearn.log_model(
                sk_model=model,
                name="fraud_detection_model",
                registered_model_name=NAME,
                skops_trusted_types=TRUSTED,
            )
        out["models"].append(model)
        out["runs"].append(run.info.run_id)
        out["infos"].append(info)
    return out


def test_log_model_three_times_gives_versions_1_2_3(
    client: MlflowClient, seeded: dict[str, Any]
) -> None:
    found = client.search_model_versions(f"name = '{NAME}'")
    assert sorted(int(v.version) for v in found) == [1, 2, 3]
    v2 = client.get_model_version(NAME, "2")
    assert v2.run_id == seeded["runs"][1]
    assert v2.source.startswith("models:/m-")


def test_search_versions_by_run_id_finds_the_lineage(
    client: MlflowClient, seeded: dict[str, Any]
) -> None:
    run_id = seeded["runs"][2]
    found = client.search_model_versions(f"run_id = '{run_id}'")
    assert [(v.name, v.version) for v in found] == [(NAME, "3")]
    assert client.get_run(run_id).data.params == {"seed": "2"}


def test_load_by_every_reference_predicts_equal(
    client: MlflowClient, seeded: dict[str, Any], data: tuple[Any, Any]
) -> None:
    x = data[0]
    client.set_registered_model_alias(NAME, "champion", "2")
    client.transition_model_version_stage(NAME, "1", "Production")
    expect = {"@champion": 1, "/Production": 0, "/3": 2, "/latest": 2}
    for ref, index in expect.items():
        loaded = mlflow.pyfunc.load_model(f"models:/{NAME}{ref}")
        want = seeded["models"][index].predict(x)
        assert np.array_equal(loaded.predict(x), want), ref


def test_download_returns_exactly_the_logged_files(
    seeded: dict[str, Any], tmp_path: Path, url: str
) -> None:
    got = Path(mlflow.artifacts.download_artifacts(f"models:/{NAME}/1", dst_path=str(tmp_path)))
    files = {
        p.relative_to(got).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in got.rglob("*")
        if p.is_file()
    }
    # the mlflow client itself writes registered_model_meta next to what it downloads
    assert files.pop("registered_model_meta")
    with Client(url) as my:
        manifest = my.get_version(NAME, 1).manifest
    assert files == {e.path: e.sha256 for e in manifest.entries}
    assert {"MLmodel", "model.skops"} <= set(files)


def test_logged_versions_are_modelyard_versions_with_audit(
    seeded: dict[str, Any], url: str
) -> None:
    out = subprocess.run(
        [str(BIN), "--uri", url, "versions", "list", NAME, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=True,
    )
    listed = json.loads(out.stdout)["items"]
    assert sorted(v["version"] for v in listed) == [1, 2, 3]
    with Client(url) as my:
        actions = [e.action for e in my.full_audit(model=NAME)]
        assert actions.count("version.create") == 3
        run = my.get_run(seeded["runs"][2])
        assert run.params == {"seed": "2"}


def test_alias_and_stage_changes_are_seen_by_both_apis(
    client: MlflowClient, seeded: dict[str, Any], url: str
) -> None:
    with Client(url) as my:
        my.set_alias(NAME, "shadow", 3)
        assert client.get_model_version_by_alias(NAME, "shadow").version == "3"
        client.transition_model_version_stage(NAME, "3", "Staging")
        assert my.get_version(NAME, 3).stage.value == "Staging"


def test_register_from_run_and_from_logged_model(
    client: MlflowClient, seeded: dict[str, Any]
) -> None:
    run_id = seeded["runs"][0]
    by_run = mlflow.register_model(f"runs:/{run_id}/fraud_detection_model", "FromRun")
    assert by_run.version == "1"
    model_id = seeded["infos"][1].model_id
    by_id = mlflow.register_model(f"models:/{model_id}", "FromLoggedModel")
    assert by_id.version == "1"
    first = client.get_model_version(NAME, "1")
    assert client.get_model_version("FromRun", "1").run_id == first.run_id


def test_cloudpickle_and_artifact_path_round_trip(url: str, data: tuple[Any, Any]) -> None:
    mlflow.set_tracking_uri(url)
    model = _fit(data, 7)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model,
            artifact_path="legacy_model",
            registered_model_name="PickledModel",
            serialization_format="cloudpickle",
        )
    assert str(info.registered_model_version) == "1"
    loaded = mlflow.pyfunc.load_model("models:/PickledModel/1")
    assert np.array_equal(loaded.predict(data[0]), model.predict(data[0]))


def test_download_uri_serves_the_version_manifest(
    client: MlflowClient, seeded: dict[str, Any], tmp_path: Path, url: str
) -> None:
    uri = client.get_model_version_download_uri(NAME, "2")
    assert uri == f"mlflow-artifacts:/modelyard-models/{NAME}/2"
    got = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=str(tmp_path)))
    files = {
        p.relative_to(got).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in got.rglob("*")
        if p.is_file()
    }
    with Client(url) as my:
        manifest = my.get_version(NAME, 2).manifest
    assert files == {e.path: e.sha256 for e in manifest.entries}
