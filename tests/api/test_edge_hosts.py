"""The trusted-host check: names, IPv4 and bracketed IPv6, each with or without a port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from modelyard.api.app import create_app
from modelyard.api.edge import AllowedHost, HostPort, host_allowed, parse_host
from modelyard.api.server import loopback_hosts
from modelyard.bootstrap import build
from modelyard.config import Settings
from modelyard.errors import UntrustedHost
from tests.api.support import assert_error


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("localhost", HostPort("localhost", None)),
        ("LocalHost.:5000", HostPort("localhost", 5000)),
        ("127.0.0.1", HostPort("127.0.0.1", None)),
        ("127.0.0.1:5000", HostPort("127.0.0.1", 5000)),
        ("[::1]", HostPort("::1", None)),
        ("[::1]:5000", HostPort("::1", 5000)),
        ("[0:0:0:0:0:0:0:1]:80", HostPort("::1", 80)),
        ("registry.example.com:443", HostPort("registry.example.com", 443)),
    ],
)
def test_parse_host_reads_name_and_port(header: str, expected: HostPort) -> None:
    assert parse_host(header) == expected


@pytest.mark.parametrize(
    "header",
    ["", "[", "[::1", "[::1]x", "[::1]:", "::1", "[evil]:5000", "a b", "host:99999", "host:-1",
     "host:5000:1", "host:", "ho/st", "@evil", "x" * 300, "[::1]:5000x", "1" * 5000],
)  # fmt: skip
def test_parse_host_malformed_raises_untrusted_host(header: str) -> None:
    with pytest.raises(UntrustedHost):
        parse_host(header)


@given(st.text(max_size=80))
def test_parse_host_any_text_parses_or_raises_untrusted_host(header: str) -> None:
    try:
        parsed = parse_host(header)
    except UntrustedHost:
        return
    assert parsed.port is None or 0 <= parsed.port <= 65535


@given(
    st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}", fullmatch=True),
    st.none() | st.integers(0, 65535),
)
def test_parse_host_round_trips_name_and_port(name: str, port: int | None) -> None:
    header = name if port is None else f"{name}:{port}"

    assert parse_host(header) == HostPort(name, port)


@pytest.mark.parametrize(
    ("entry", "header", "allowed"),
    [
        ("127.0.0.1:5000", "127.0.0.1:5000", True),
        ("127.0.0.1:5000", "127.0.0.1:5001", False),
        ("127.0.0.1:5000", "127.0.0.1", False),
        ("127.0.0.1", "127.0.0.1:5001", True),
        ("[::1]:5000", "[::1]:5000", True),
        ("[::1]:5000", "[0::1]:5000", True),
        ("[::1]:5000", "[::2]:5000", False),
        ("::1", "[::1]:8080", True),
        ("localhost:5000", "LOCALHOST:5000", True),
        ("localhost:5000", "localhost.evil.example:5000", False),
        ("*.example.com", "api.example.com:443", True),
        ("*.example.com", "example.com.evil:443", False),
        ("*", "anything:1", True),
    ],
)
def test_allowed_host_entry_matches(entry: str, header: str, allowed: bool) -> None:
    assert host_allowed(header, [AllowedHost.parse(entry)]) is allowed


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app that answers only for its loopback names on port 5000, as `serve` builds it."""
    home = tmp_path_factory.mktemp("hosts") / "store"
    registry = build(Settings(home=home, db=None, artifacts=None, uri=None, user=None))
    app = create_app(registry=registry, allowed_hosts=loopback_hosts("5000"))
    try:
        with TestClient(app, raise_server_exceptions=False) as http:
            yield http
    finally:
        registry.close()


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "[::1]:5000"])
def test_loopback_host_with_port_is_served(loopback: TestClient, host: str) -> None:
    response = loopback.get("/healthz", headers={"Host": host})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example:5000", "127.0.0.1:5001", "[::1]:5001", "localhost", "[", ""]
)
def test_foreign_or_malformed_host_returns_400(loopback: TestClient, host: str) -> None:
    response = loopback.get("/api/v1/models", headers={"Host": host})

    assert_error(response, 400, "UNTRUSTED_HOST")


def test_foreign_host_on_mlflow_route_returns_mlflow_error(loopback: TestClient) -> None:
    response = loopback.get(
        "/api/2.0/mlflow/registered-models/search", headers={"Host": "evil.example:5000"}
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_loopback_hosts_on_port_80_allow_a_bare_host() -> None:
    assert "localhost" in loopback_hosts("80")
    assert "localhost" not in loopback_hosts("5000")
