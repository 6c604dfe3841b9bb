"""`make run`: start the server on 127.0.0.1, load the fraud-detection example once, serve.

The store is the embedded default (SQLite + local blobs in ./modelyard). Set
MODELYARD_PORT to change the port; MODELYARD_RUN_ONCE=1 stops after loading (for scripts).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

import modelyard

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).with_name("modelyard")


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not become ready in {timeout:.0f}s")


def load_example_once(url: str) -> None:
    with modelyard.Client(url) as client:
        try:
            client.get_model("FraudDetectionModel")
        except modelyard.NotFound:
            pass
        else:
            print("FraudDetectionModel is already registered; not loading the example again")
            return
    env = {**os.environ, "MODELYARD_URI": url}
    subprocess.run([sys.executable, str(HERE / "fraud_detection.py")], env=env, check=True)


def main() -> None:
    port = int(os.environ.get("MODELYARD_PORT", "5000"))
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(BIN), "server", "--host", "127.0.0.1", "--port", str(port)])
    try:
        wait_ready(url, server)
        load_example_once(url)
        print(f"\nmodelyard is serving at {url}  (API docs: {url}/docs)")
        print(f"try: MODELYARD_URI={url} {BIN.name} versions list FraudDetectionModel")
        if os.environ.get("MODELYARD_RUN_ONCE") == "1":
            return
        print("press Ctrl-C to stop")
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
