"""A real server bound on the IPv6 loopback answers for ``[::1]:port`` and nothing else."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.servers import BIN, clean_env, wait_healthy


def _free_v6_port() -> int:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            return int(s.getsockname()[1])
    except OSError as exc:
        pytest.skip(f"cannot bind the IPv6 loopback: {exc}")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_v6_port()
    home = tmp_path_factory.mktemp("v6") / "store"
    url = f"http://[::1]:{port}"
    log = (home.parent / "server.log").open("ab")
    cmd = [str(BIN), "server", "--host", "::1", "--port", str(port), "--home", str(home)]
    proc = subprocess.Popen(cmd, env=clean_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_ipv6_loopback_server_serves_its_own_host(url: str) -> None:
    response = httpx.post(f"{url}/api/v1/models", json={"name": "Fraud"}, timeout=10)

    assert response.status_code == 201, response.text


def test_ipv6_loopback_server_refuses_a_foreign_host(url: str) -> None:
    response = httpx.get(f"{url}/api/v1/models", headers={"Host": "evil.example"}, timeout=10)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UNTRUSTED_HOST"
