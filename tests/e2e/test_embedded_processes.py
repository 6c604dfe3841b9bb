"""Process-level guarantees of the embedded store: concurrency, crash safety, integrity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import modelyard
from modelyard.client.client import Client
from modelyard.config import Settings

WRITER = textwrap.dedent(
    """
    import sys
    from sklearn.linear_model import LogisticRegression
    import modelyard
    from modelyard.client.client import Client
    from modelyard.config import Settings

    home, count = sys.argv[1], int(sys.argv[2])
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
    model = LogisticRegression().fit(X, [0, 1, 0, 1])
    with Client(settings=Settings(home=home)) as client:
        for _ in range(count):
            with modelyard.start_run(client=client) as run:
                mv = run.log_model(model, "m", registered_model_name="Shared")
            print(mv.version, flush=True)
    """
)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}


def test_parallel_processes_get_versions_one_to_n(tmp_path: Path) -> None:
    home, per_process, processes = tmp_path / "store", 3, 8
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), str(per_process)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for _ in range(processes)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    numbers = sorted(int(n) for out, _ in outputs for n in out.split())
    total = per_process * processes
    assert numbers == list(range(1, total + 1))
    with Client(settings=Settings(home=home)) as client:
        assert sorted(v.version for v in client.list_versions("Shared")) == numbers


SLOW_UPLOAD = textwrap.dedent(
    """
    import sys, time
    from modelyard.bootstrap import build
    from modelyard.config import Settings

    class Slow:
        def __init__(self):
            self.sent = 0
        def read(self, n=-1):
            if self.sent >= 4 * 1024 * 1024:
                print("halfway", flush=True)
                time.sleep(60)
            self.sent += 1024 * 1024
            return b"x" * (1024 * 1024)

    registry = build(Settings(home=sys.argv[1]))
    registry.blobs.put(Slow())
    """
)


def test_killed_blob_write_leaves_no_blob_and_no_version(tmp_path: Path) -> None:
    home = tmp_path / "store"
    with subprocess.Popen(
        [sys.executable, "-c", SLOW_UPLOAD, str(home)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    ) as proc:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        while proc.stdout.readline().strip() != "halfway":
            assert time.monotonic() < deadline and proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    blobs = [p for p in (home / "artifacts" / "blobs").rglob("*") if p.is_file()]
    assert blobs == []
    with Client(settings=Settings(home=home)) as client:
        assert client.search_versions().items == []
        assert client.search_models().items == []


def _train() -> tuple[np.ndarray, LogisticRegression]:
    X, y = make_classification(n_samples=50, n_features=4, random_state=0)
    return X, LogisticRegression().fit(X, y)


def test_flipped_byte_in_blob_fails_load_naming_the_file(tmp_path: Path) -> None:
    _, model = _train()
    settings = Settings(home=tmp_path / "store")
    with Client(settings=settings) as client:
        with modelyard.start_run(client=client) as run:
            mv = run.log_model(model, "m", registered_model_name="Fraud")
        entry = next(e for e in mv.manifest.entries if e.path.endswith(".skops"))
        blob = (
            tmp_path / "store" / "artifacts" / "blobs" / "sha256" / entry.sha256[:2] / entry.sha256
        )
        data = bytearray(blob.read_bytes())
        data[len(data) // 2] ^= 0x01
        blob.write_bytes(bytes(data))
        with pytest.raises(modelyard.IntegrityError, match=entry.path):
            client.load_model("models:/Fraud/1")


def test_load_model_round_trip_predicts_identically(tmp_path: Path) -> None:
    X, model = _train()
    with Client(settings=Settings(home=tmp_path / "store")) as client:
        with modelyard.start_run(client=client) as run:
            run.log_model(model, "m", registered_model_name="Fraud")
        loaded = client.load_model("models:/Fraud/latest")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
