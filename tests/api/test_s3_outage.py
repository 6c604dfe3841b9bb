"""The REST API over an S3 blob store that fails: 503 UNAVAILABLE with our error body, no
traceback, nothing recorded; the same request succeeds once S3 is back.

The store reaches moto's server through :class:`tests.faultproxy.FaultProxy` with a 1 s
read timeout and a single attempt, so an outage answers at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from botocore.config import Config
from fastapi.testclient import TestClient

from modelyard.adapters.blobs.s3 import S3BlobStore
from modelyard.api.app import create_app
from modelyard.bootstrap import Runtime, build
from modelyard.config import Settings
from tests.api.support import files_body, sha
from tests.conftest import fresh_store
from tests.faultproxy import FaultProxy

DATA = b"weights stored in S3\n" * 50
FAST = Config(connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(s3_endpoint) as fp:
        yield fp


@pytest.fixture
def http(
    proxy: FaultProxy, s3_bucket: str, tmp_path: Path, store_template: Path
) -> Iterator[TestClient]:
    """The API over a fresh SQLite store whose blobs live in S3 behind the proxy."""
    home = fresh_store(store_template, tmp_path / "store")
    settings = Settings(home=home, db=None, artifacts=None, cache_dir=None, uri=None, user=None)
    local = build(settings)
    blobs = S3BlobStore(s3_bucket, proxy.url, config=FAST)
    runtime = Runtime(local.engine, blobs, dataclasses.replace(local.context, blobs=blobs))
    app = create_app(registry=runtime)
    try:
        with TestClient(
            app, raise_server_exceptions=False, headers={"X-Modelyard-User": "alice"}
        ) as client:
            yield client
    finally:
        proxy.heal()
        runtime.close()


def assert_unavailable(response: httpx.Response) -> None:
    """503 with the one error shape and code UNAVAILABLE, and nothing of the stack."""
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert "botocore" not in response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == "UNAVAILABLE"


def test_put_blob_during_s3_outage_returns_503(http: TestClient, proxy: FaultProxy) -> None:
    proxy.fail("PutObject", "503")

    response = http.put(f"/api/v1/blobs/sha256:{sha(DATA)}", content=DATA)

    assert_unavailable(response)
    assert http.head(f"/api/v1/blobs/sha256:{sha(DATA)}").status_code == 404


def test_put_blob_after_s3_recovers_returns_201_and_version_is_created(
    http: TestClient, proxy: FaultProxy
) -> None:
    proxy.fail("PutObject", "reset")
    assert_unavailable(http.put(f"/api/v1/blobs/sha256:{sha(DATA)}", content=DATA))
    proxy.heal()

    put = http.put(f"/api/v1/blobs/sha256:{sha(DATA)}", content=DATA)
    created = http.post("/api/v1/models/Fraud/versions", json=files_body({"m.bin": DATA}))

    assert put.status_code == 201, put.text
    assert created.status_code == 201, created.text
    assert http.get(f"/api/v1/blobs/sha256:{sha(DATA)}").content == DATA


def test_create_version_during_s3_outage_returns_503_and_records_nothing(
    http: TestClient, proxy: FaultProxy
) -> None:
    assert http.put(f"/api/v1/blobs/sha256:{sha(DATA)}", content=DATA).status_code == 201
    proxy.fail("HeadObject", "500")

    response = http.post("/api/v1/models/Fraud/versions", json=files_body({"m.bin": DATA}))

    assert_unavailable(response)
    proxy.heal()
    assert http.get("/api/v1/models/Fraud").status_code == 404


@pytest.mark.parametrize("operation", ["HeadObject", "GetObject"])
def test_get_blob_during_s3_outage_returns_503(
    http: TestClient, proxy: FaultProxy, operation: str
) -> None:
    assert http.put(f"/api/v1/blobs/sha256:{sha(DATA)}", content=DATA).status_code == 201
    proxy.fail(operation, "500")

    assert_unavailable(http.get(f"/api/v1/blobs/sha256:{sha(DATA)}"))


def test_post_missing_during_s3_outage_returns_503(http: TestClient, proxy: FaultProxy) -> None:
    proxy.fail("HeadObject", "503")

    response = http.post("/api/v1/blobs/missing", json={"digests": [sha(b"a"), sha(b"b")]})

    assert_unavailable(response)


def test_mlflow_artifact_put_during_s3_outage_returns_503_and_works_after_healing(
    http: TestClient, proxy: FaultProxy
) -> None:
    run = http.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"})
    root = run.json()["run"]["info"]["artifact_uri"].removeprefix("mlflow-artifacts:/")
    url = f"/api/2.0/mlflow-artifacts/artifacts/{root}/model.pkl"
    proxy.fail("PutObject", "500")

    failed = http.put(url, content=DATA)
    proxy.heal()
    stored = http.put(url, content=DATA)

    assert failed.status_code == 503, failed.text
    assert failed.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert "Traceback" not in failed.text
    assert stored.status_code == 200, stored.text
    assert http.get(url).content == DATA
