"""A real server on loopback: the example, the CLI, concurrency, idempotency, crash safety."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import io
import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from modelyard.client.client import Client
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import NewVersion
from tests.e2e.servers import BIN, clean_env, free_port, server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fraud_detection.py"


def _spec(client: Client, data: bytes) -> NewVersion:
    digest = hashlib.sha256(data).hexdigest()
    if client.transport.missing_blobs([digest]):
        client.transport.upload_blob(digest, io.BytesIO(data), len(data))
    return NewVersion(manifest=Manifest.build([ManifestEntry("model.bin", len(data), digest)]))


def test_example_runs_against_server(tmp_path: Path) -> None:
    with server(tmp_path / "store") as (url, _):
        out = subprocess.run(
            [sys.executable, str(EXAMPLE)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env=clean_env(MODELYARD_URI=url),
            check=False,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        assert out.stdout.count("predictions equal: True") == 4
        assert not (tmp_path / "modelyard").exists()  # nothing was written locally
        cli = subprocess.run(
            [str(BIN), "--uri", url, "versions", "list", "FraudDetectionModel", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env(),
            check=True,
        )
        listed = json.loads(cli.stdout)["items"]
        assert sorted(v["version"] for v in listed) == [1, 2, 3]


def _create_many(url: str, clients: int, per_client: int) -> list[int]:
    def work(i: int) -> list[int]:
        with Client(url) as client:
            return [
                client.create_version("Shared", _spec(client, f"{i}-{j}".encode())).version
                for j in range(per_client)
            ]

    with cf.ThreadPoolExecutor(clients) as pool:
        return sorted(n for batch in pool.map(work, range(clients)) for n in batch)


def test_sixteen_clients_get_versions_one_to_n_on_sqlite(tmp_path: Path) -> None:
    with server(tmp_path / "store") as (url, _):
        numbers = _create_many(url, 16, 5)
        assert numbers == list(range(1, 81))
        metrics = httpx.get(f"{url}/metrics").text
        assert 'status="5' not in metrics


def test_retried_create_with_same_key_adds_no_version(tmp_path: Path) -> None:
    with server(tmp_path / "store") as (url, _), Client(url) as client:
        spec = _spec(client, b"weights")
        key = uuid.uuid4().hex
        first = client.create_version("Fraud", spec, idempotency_key=key)
        again = client.create_version("Fraud", spec, idempotency_key=key)
        assert first.version == again.version == 1
        assert [v.version for v in client.list_versions("Fraud")] == [1]


@pytest.mark.postgres
def test_two_servers_on_postgres_and_s3_allocate_one_to_n(
    tmp_path: Path, postgres_url: str, s3_bucket: str, s3_endpoint: str
) -> None:
    shared = ("--db", postgres_url, "--artifacts", s3_bucket)
    endpoint = {"MODELYARD_S3_ENDPOINT_URL": s3_endpoint}
    with (
        server(tmp_path / "a", *shared, **endpoint) as (url_a, _),
        server(tmp_path / "b", *shared, **endpoint) as (url_b, _),
    ):
        with cf.ThreadPoolExecutor(2) as pool:
            a = pool.submit(_create_many, url_a, 8, 5)
            b = pool.submit(_create_many, url_b, 8, 5)
            numbers = sorted(a.result() + b.result())
        assert numbers == list(range(1, 81))
        for url in (url_a, url_b):
            assert 'status="5' not in httpx.get(f"{url}/metrics").text
        with Client(url_b) as client:
            key = uuid.uuid4().hex
            spec = _spec(client, b"retry")
            first = client.create_version("Shared", spec, idempotency_key=key)
        with Client(url_a) as client:
            assert client.create_version("Shared", spec, idempotency_key=key) == first


def test_killed_server_mid_upload_leaves_nothing_and_retry_succeeds(tmp_path: Path) -> None:
    home, port = tmp_path / "store", free_port()
    data = b"z" * (64 * 1024 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    url = f"http://127.0.0.1:{port}"
    with server(home, port=port) as (_, proc):

        def slow_body():  # type: ignore[no-untyped-def]
            for i in range(0, len(data), 1024 * 1024):
                if i == 16 * 1024 * 1024:
                    proc.send_signal(signal.SIGKILL)
                    time.sleep(0.5)
                yield data[i : i + 1024 * 1024]

        with pytest.raises(httpx.TransportError):
            httpx.put(
                f"{url}/api/v1/blobs/sha256:{digest}",
                content=slow_body(),
                headers={"Content-Length": str(len(data))},
                timeout=30,
            )
        proc.wait(timeout=10)
    blobs = [p for p in (home / "artifacts" / "blobs").rglob("*") if p.is_file()]
    assert blobs == []
    with server(home, port=port) as (url, _), Client(url) as client:
        assert client.search_versions().items == []
        client.transport.upload_blob(digest, io.BytesIO(data), len(data))
        mv = client.create_version(
            "Big",
            NewVersion(manifest=Manifest.build([ManifestEntry("model.bin", len(data), digest)])),
        )
        assert mv.version == 1
        assert client.transport.missing_blobs([digest]) == set()


def test_server_refuses_public_bind_without_insecure(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            str(BIN),
            "server",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
            "--home",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    assert out.returncode == 1
    assert "INVALID_ARGUMENT" in out.stderr and "--insecure" in out.stderr
    assert "Traceback" not in out.stderr
