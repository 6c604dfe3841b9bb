"""Start real ``modelyard server`` processes on loopback for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).with_name("modelyard")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELYARD_")}
    env.update(extra)
    return env


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server at {url} not ready in {timeout}s")


@dataclass
class Process:
    """A ``modelyard server`` process started by :func:`spawn`."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def spawn(
    home: Path, *args: str, port: int | None = None, log: Path | None = None, **env: str
) -> Process:
    """Start a server without waiting for it; stop it with :func:`stop`."""
    port = port or free_port()
    log = log or home.with_suffix(".log")
    cmd = [str(BIN), "server", "--port", str(port), "--home", str(home), *args]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=clean_env(**env), stdout=out, stderr=subprocess.STDOUT)
    return Process(f"http://127.0.0.1:{port}", proc, log)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it does not exit in 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def server(
    home: Path, *args: str, port: int | None = None, log: Path | None = None, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A running server; yields (url, process) and stops it afterwards."""
    started = spawn(home, *args, port=port, log=log, **env)
    try:
        wait_healthy(started.url, started.proc)
        yield started.url, started.proc
    finally:
        stop(started.proc)


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)
