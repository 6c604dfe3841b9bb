"""The same MLflow-REST workload against modelyard and MLflow, side by side (run by hand).

    .venv/bin/python bench/bench_mlflow.py [--versions 10000] [--artifact-mib 256]

Starts `modelyard server` and `mlflow server` (SQLite backends, artifacts proxied) on
127.0.0.1, one after the other, drives each through MLflow's REST API with one keep-alive
HTTP client, and prints every figure side by side with the ratio modelyard / MLflow
(for latencies, MLflow / modelyard: above 1 means modelyard is better).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

MIB = 1024 * 1024
API = "/api/2.0/mlflow"
ART = "/api/2.0/mlflow-artifacts/artifacts"
BIN = Path(sys.executable).parent
SEED = """
import mlflow, mlflow.sklearn
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
x, y = make_classification(n_samples=500, random_state=0)
with mlflow.start_run():
    mlflow.sklearn.log_model(sk_model=RandomForestClassifier(random_state=42).fit(x, y),
        name="fraud_detection_model", registered_model_name="FraudDetectionModel",
        skops_trusted_types=["sklearn.tree._tree.Tree"])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(kind: str, home: Path) -> Iterator[str]:
    port = free_port()
    if kind == "modelyard":
        cmd = [str(BIN / "modelyard"), "server", "--port", str(port), "--home", str(home)]
        health = "/readyz"
    else:
        cmd = [str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}"]
        cmd += ["--artifacts-destination", str(home / "artifacts"), "--workers", "1"]
        health = "/health"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELYARD_", "MLFLOW_"))}
    home.mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + health, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def latencies(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = sorted(timed(fn) for _ in range(n))
    return statistics.median(samples) * 1000, samples[int(n * 0.99) - 1] * 1000


def ok(r: httpx.Response) -> httpx.Response:
    if r.status_code != 200:
        raise RuntimeError(
            f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}"
        )
    return r


def workload(url: str, n_versions: int, artifact_mib: int, work: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    http = httpx.Client(base_url=url, timeout=600)

    def create(name: str, i: int, tags: list[dict[str, str]] | None = None) -> str:
        body = {"name": name, "source": f"s3://bench/{name}/{i}", "tags": tags or []}
        return str(
            ok(http.post(f"{API}/model-versions/create", json=body)).json()["model_version"][
                "version"
            ]
        )

    ok(http.post(f"{API}/registered-models/create", json={"name": "Seq"}))
    n_seq = 200
    out["sequential version creation (versions/s)"] = n_seq / timed(
        lambda: [create("Seq", i) for i in range(n_seq)]
    )
    ok(http.post(f"{API}/registered-models/create", json={"name": "Conc"}))
    errors: list[str] = []

    def worker(t: int) -> list[int]:
        with httpx.Client(base_url=url, timeout=600) as h:
            got = []
            for i in range(25):
                r = h.post(
                    f"{API}/model-versions/create",
                    json={"name": "Conc", "source": f"s3://b/{t}/{i}"},
                )
                if r.status_code != 200:
                    errors.append(r.text[:100])
                else:
                    got.append(int(r.json()["model_version"]["version"]))
            return got

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(8) as pool:
        numbers = sorted(n for batch in pool.map(worker, range(8)) for n in batch)
    out["8-thread version creation (versions/s)"] = 200 / (time.perf_counter() - start)
    out["8-thread run exact 1..N, zero errors (1=yes)"] = float(
        numbers == list(range(1, 201)) and not errors
    )
    ok(
        http.post(
            f"{API}/registered-models/alias",
            json={"name": "Seq", "alias": "champion", "version": "7"},
        )
    )
    p50, p99 = latencies(
        lambda: ok(
            http.get(f"{API}/registered-models/alias", params={"name": "Seq", "alias": "champion"})
        ),
        300,
    )
    out["get by alias p50 (ms)"], out["get by alias p99 (ms)"] = p50, p99
    ok(http.post(f"{API}/registered-models/create", json={"name": "Big"}))
    for i in range(n_versions):
        create("Big", i, [{"key": "shard", "value": str(i % 100)}])
    p50, p99 = latencies(
        lambda: ok(
            http.get(
                f"{API}/model-versions/search",
                params={"filter": "tags.shard = '42'", "max_results": 1000},
            )
        ),
        100,
    )
    out[f"search by tag over {n_versions} versions p50 (ms)"] = p50
    out[f"search by tag over {n_versions} versions p99 (ms)"] = p99

    def page_all() -> None:
        token, seen = None, 0
        while True:
            params = {
                "filter": "name = 'Big'",
                "max_results": 1000,
                **({"page_token": token} if token else {}),
            }
            body = ok(http.get(f"{API}/model-versions/search", params=params)).json()
            seen += len(body.get("model_versions", []))
            token = body.get("next_page_token")
            if not token:
                break
        assert seen == n_versions, seen

    out[f"page through {n_versions} versions (s)"] = timed(page_all)
    n_upd = 200
    out["tag updates (ops/s)"] = n_upd / timed(
        lambda: [
            ok(
                http.post(
                    f"{API}/model-versions/set-tag",
                    json={"name": "Seq", "version": str(1 + i % 50), "key": "k", "value": str(i)},
                )
            )
            for i in range(n_upd)
        ]
    )
    out["alias updates (ops/s)"] = n_upd / timed(
        lambda: [
            ok(
                http.post(
                    f"{API}/registered-models/alias",
                    json={"name": "Seq", "alias": "champion", "version": str(1 + i % 50)},
                )
            )
            for i in range(n_upd)
        ]
    )
    big = work / "big.bin"
    with big.open("wb") as f:
        for _ in range(artifact_mib):
            f.write(os.urandom(MIB))
    copy_s = timed(lambda: shutil.copyfile(big, work / "copy.bin"))
    out["plain local file copy (MiB/s)"] = artifact_mib / copy_s

    def upload() -> None:
        with big.open("rb") as f:
            ok(http.put(f"{ART}/0/bench/artifacts/big.bin", content=f))

    out[f"{artifact_mib} MiB upload (MiB/s)"] = artifact_mib / timed(upload)

    def download() -> None:
        with (
            http.stream("GET", f"{ART}/0/bench/artifacts/big.bin") as r,
            (work / "down.bin").open("wb") as f,
        ):
            for chunk in r.iter_bytes(MIB):
                f.write(chunk)

    out[f"{artifact_mib} MiB download (MiB/s)"] = artifact_mib / timed(download)
    out["1,000 small files upload (files/s)"] = 1000 / timed(
        lambda: [
            ok(http.put(f"{ART}/0/small/artifacts/f{i}.txt", content=os.urandom(1024)))
            for i in range(1000)
        ]
    )
    env = {**os.environ, "MLFLOW_TRACKING_URI": url}
    out["seed log_model end to end (s)"] = timed(
        lambda: subprocess.run(
            [sys.executable, "-c", SEED], env=env, check=True, capture_output=True
        )
    )
    http.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--artifact-mib", type=int, default=256)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("modelyard", "mlflow"):
            with running(kind, Path(tmp) / kind) as url:
                work = Path(tmp) / f"{kind}-work"
                work.mkdir()
                results[kind] = workload(url, args.versions, args.artifact_mib, work)
                print(f"{kind} done", file=sys.stderr)
    print("| measure | modelyard | MLflow | ratio |\n|---|---:|---:|---:|")
    for key, mine in results["modelyard"].items():
        theirs = results["mlflow"][key]
        lower_better = "(ms)" in key or "(s)" in key
        ratio = (
            (theirs / mine if lower_better else mine / theirs) if mine and theirs else float("nan")
        )
        print(f"| {key} | {mine:,.2f} | {theirs:,.2f} | {ratio:,.2f}x |")


if __name__ == "__main__":
    main()
