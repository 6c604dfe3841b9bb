"""modelyard import-mlflow against a real MLflow server (SQLite) populated by the client."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import mlflow.sklearn
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

import mlflow
from mlflow import MlflowClient
from modelyard.adapters.mlflow_source import MlflowHttpSource
from modelyard.client.client import Client
from modelyard.service.importer import IMPORTED_FROM, import_registry
from tests.e2e.servers import BIN, clean_env, free_port, server

MLFLOW = Path(sys.executable).with_name("mlflow")


@pytest.fixture(scope="module")
def mlflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("mlflow-origin")
    port = free_port()
    cmd = [
        str(MLFLOW), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}",
        "--artifacts-destination", str(home / "artifacts"),
    ]  # fmt: skip
    log = (home / "server.log").open("wb")
    # the job workers an MLflow server starts keep both cores busy for ~20 s; the import
    # needs none of them
    env = clean_env(MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    proc = subprocess.Popen(cmd, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, (home / "server.log").read_text()[-2000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def populated(mlflow_url: str) -> dict[str, Any]:
    mlflow.set_tracking_uri(mlflow_url)
    mlflow.set_registry_uri(mlflow_url)
    # the fluent API remembers the last active experiment per process: one that another
    # module made on a modelyard server does not exist on this MLflow server
    mlflow.set_experiment(experiment_id="0")
    x, y = make_classification(n_samples=60, n_features=4, random_state=1)
    client = MlflowClient(mlflow_url, mlflow_url)
    runs = []
    for seed in range(2):
        with mlflow.start_run() as run:
            mlflow.log_param("seed", seed)
            mlflow.log_metric("auc", 0.5 + seed / 10)
            mlflow.sklearn.log_model(
                RandomForestClassifier(n_estimators=2, random_state=seed).fit(x, y),
                name="clf",
                registered_model_name="ImpA",
                skops_trusted_types=["sklearn.tree._tree.Tree"],
            )
        runs.append(run.info.run_id)
    client.update_registered_model("ImpA", description="imported model")
    client.set_registered_model_tag("ImpA", "team", "fraud")
    client.set_model_version_tag("ImpA", "1", "validated", "yes")
    client.update_model_version("ImpA", "2", description="second")
    client.transition_model_version_stage("ImpA", "1", "Production")
    client.set_registered_model_alias("ImpA", "champion", "2")
    client.create_registered_model("ImpB")
    return {"runs": runs}


def _import(url: str, mlflow_url: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(BIN), "--uri", url, "import-mlflow", "--from", mlflow_url, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    summary: dict[str, Any] = json.loads(out.stdout)
    return summary


def _mlflow_digests(mlflow_url: str, name: str, version: str) -> dict[str, str]:
    client = MlflowClient(mlflow_url, mlflow_url)
    uri = client.get_model_version_download_uri(name, version)
    root = uri.removeprefix("mlflow-artifacts:").lstrip("/")
    out, pending = {}, [""]
    base = f"{mlflow_url}/api/2.0/mlflow-artifacts/artifacts"
    while pending:
        sub = pending.pop()
        where = f"{root}/{sub}" if sub else root
        for f in httpx.get(base, params={"path": where}).json().get("files", []):
            rel = f"{sub}/{f['path']}" if sub else f["path"]
            if f["is_dir"]:
                pending.append(rel)
            else:
                data = httpx.get(f"{base}/{root}/{rel}").content
                out[rel] = hashlib.sha256(data).hexdigest()
    return out


def test_import_copies_registry_and_is_idempotent(
    populated: dict[str, Any], mlflow_url: str, tmp_path: Path
) -> None:
    with server(tmp_path / "target") as (url, _):
        first = _import(url, mlflow_url)
        assert (first["models_created"], first["versions_created"]) == (2, 2)
        assert first["runs_created"] == 2 and first["skipped"] == []
        second = _import(url, mlflow_url)
        assert (second["models_created"], second["versions_created"]) == (0, 0)
        assert (second["versions_existing"], second["files_uploaded"]) == (2, 0)
        with Client(url) as my:
            model = my.get_model("ImpA")
            assert model.description == "imported model"
            assert model.tags == {"team": "fraud"}
            assert model.aliases == {"champion": 2}
            assert my.get_model("ImpB").latest_version == 0
            versions = {v.version: v for v in my.list_versions("ImpA")}
            assert sorted(versions) == [1, 2]
            assert versions[1].stage.value == "Production"
            assert versions[1].tags["validated"] == "yes"
            assert versions[2].description == "second"
            for number, v in versions.items():
                want = _mlflow_digests(mlflow_url, "ImpA", str(number))
                assert {e.path: e.sha256 for e in v.manifest.entries} == want
                assert v.run_id is not None
                run = my.get_run(v.run_id)
                assert run.params == {"seed": str(number - 1)}
                assert [m.key for m in run.metrics] == ["auc"]
                assert run.tags["mlflow.import.run_id"] == populated["runs"][number - 1]


def test_import_from_python_stores_url_without_credentials(
    populated: dict[str, Any], mlflow_url: str, tmp_path: Path
) -> None:
    secret_url = mlflow_url.replace("http://", "http://alice:s3cret@") + "/?token=t0k"
    src = MlflowHttpSource(secret_url)
    with Client(str(tmp_path / "store")) as my:
        summary = import_registry(my.transport, src)
        src.close()
        assert (summary.versions_created, summary.skipped) == (2, [])
        assert {v.tags[IMPORTED_FROM] for v in my.list_versions("ImpA")} == {mlflow_url}
        trail = repr(my.full_audit())
    assert "s3cret" not in trail and "t0k" not in trail
