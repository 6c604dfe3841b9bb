"""Benchmark a modelyard server on this machine (run by hand; figures go to docs/performance.md).

    .venv/bin/python bench/bench_server.py [--versions 10000] [--artifact-mib 256]

Starts `modelyard server` on 127.0.0.1 with a fresh SQLite store (or uses --url), then
measures version creation (sequential and 8 threads), get-by-alias latency, search by tag
over N versions, upload/download of a large artifact against a plain local file copy,
and the server's peak memory during the upload.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from modelyard.client.client import Client
from modelyard.client.http import HttpTransport
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import NewVersion

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    exe = Path(sys.executable).with_name("modelyard")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    proc = subprocess.Popen(
        [str(exe), "server", "--port", str(port), "--home", str(home), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return url, proc
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def spec_for(client: Client, data: bytes) -> NewVersion:
    digest = hashlib.sha256(data).hexdigest()
    if client.transport.missing_blobs([digest]):
        client.transport.upload_blob(digest, io.BytesIO(data), len(data))
    return NewVersion(manifest=Manifest.build([ManifestEntry("model.bin", len(data), digest)]))


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def pct(samples: list[float], q: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(q * len(samples)))] * 1000


def report(name: str, value: str) -> None:
    print(f"{name:<48} {value}")


def bench_create(url: str, n: int) -> None:
    with Client(url) as client:
        spec = spec_for(client, b"bench-weights")
        t = time.perf_counter()
        for _ in range(n):
            client.create_version("BenchSeq", spec)
        report(f"create version, sequential ({n})", f"{n / (time.perf_counter() - t):8.1f} ops/s")

    def worker(_: int) -> int:
        with Client(url) as c:
            return len([c.create_version("BenchConc", spec) for _ in range(n // 8)])

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(8) as pool:
        done = sum(pool.map(worker, range(8)))
    rate = done / (time.perf_counter() - t)
    with Client(url) as client:
        numbers = sorted(v.version for v in client.list_versions("BenchConc"))
    exact = numbers == list(range(1, done + 1))
    report(f"create version, 8 threads ({done})", f"{rate:8.1f} ops/s  (1..N exact: {exact})")


def bench_reads(url: str, versions: int) -> None:
    with Client(url) as client:
        spec = spec_for(client, b"search-weights")
        existing = len(client.search_all_versions("name = 'BenchSearch'"))
        for i in range(existing, versions):
            mv = client.create_version("BenchSearch", spec)
            if i % 100 == 0:
                client.set_version_tag("BenchSearch", mv.version, "owner", f"user{i // 100}")
        client.set_alias("BenchSearch", "champion", 1)
        by_alias = timed(lambda: client.get_version("BenchSearch", "@champion"), 500)
        report(
            "get by alias (500)",
            f"p50 {pct(by_alias, 0.5):6.2f} ms  p99 {pct(by_alias, 0.99):6.2f} ms",
        )
        search = timed(lambda: client.search_versions("tags.owner = 'user42'"), 200)
        report(
            f"search by tag over {versions} versions (200)",
            f"p50 {pct(search, 0.5):6.2f} ms  p99 {pct(search, 0.99):6.2f} ms",
        )


def _chunks(total: int) -> Iterator[bytes]:
    block = os.urandom(MIB)
    for i in range(total // MIB):
        yield i.to_bytes(8, "big") + block[8:]


class _Reader:
    def __init__(self, total: int) -> None:
        self.it = _chunks(total)

    def read(self, n: int = -1, /) -> bytes:
        return next(self.it, b"")


def bench_artifact(url: str, proc: subprocess.Popen[bytes], mib: int) -> None:
    total = mib * MIB
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "src.bin")
        with src.open("wb") as f:
            for chunk in _chunks(total):
                f.write(chunk)
        t = time.perf_counter()
        shutil.copyfile(src, Path(tmp, "copy.bin"))
        copy_rate = mib / (time.perf_counter() - t)
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        before = _rss(proc.pid, "VmRSS")
        transport = HttpTransport(url)
        t = time.perf_counter()
        with src.open("rb") as f:
            transport.upload_blob(digest, f, total)
        up = mib / (time.perf_counter() - t)
        peak = _rss(proc.pid, "VmHWM")
        t = time.perf_counter()
        stream = transport.open_blob(digest)
        with Path(tmp, "down.bin").open("wb") as out:
            while chunk := stream.read(MIB):
                out.write(chunk)
        stream.close()
        down = mib / (time.perf_counter() - t)
        transport.close()
    report("plain local file copy (reference)", f"{copy_rate:8.1f} MB/s")
    report(f"upload {mib} MiB", f"{up:8.1f} MB/s  ({100 * up / copy_rate:.0f}% of copy)")
    report(f"download {mib} MiB", f"{down:8.1f} MB/s  ({100 * down / copy_rate:.0f}% of copy)")
    report("server peak RSS growth during upload", f"{(peak - before) / 1024:8.1f} MiB")


def _rss(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--versions", type=int, default=10_000)
    ap.add_argument("--creates", type=int, default=400)
    ap.add_argument("--artifact-mib", type=int, default=256)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        url, proc = start_server(Path(home) / "store")
        try:
            bench_create(url, args.creates)
            bench_reads(url, args.versions)
            bench_artifact(url, proc, args.artifact_mib)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
