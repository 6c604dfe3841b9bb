"""The outbound webhook sender: every SSRF spelling refused before any connection, and real
deliveries to a receiver on 127.0.0.1 (allowed explicitly) with their outcomes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from modelyard.adapters.http_sender import HttpSender, literal_address
from modelyard.errors import InvalidArgument
from tests.webhook_receiver import Reply, closed_port_url, receiver

# every spelling of an inward address from BAD_INPUTS.md (SSRF and outbound calls)
LITERALS = [
    "127.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "2130706433",
    "0x7f000001",
    "017700000001",
    "127.1",
    "0",
    "0.0.0.0",
    "[::]",
    "169.254.169.254",
    "[::ffff:169.254.169.254]",
    "[fd00:ec2::254]",
    "100.100.100.200",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "[fe80::1]",
    "[fc00::1]",
    "224.0.0.1",
    "[ff02::1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
]
# names a resolver answers with an inward address (faked: tests connect only to 127.0.0.1)
NAMES = {
    "localhost": ["127.0.0.1"],
    "sub.localhost": ["127.0.0.1"],
    "metadata.internal": ["169.254.169.254"],
    "rebind.example": ["93.184.216.34", "127.0.0.1"],
    "six.example": ["::1"],
    "mapped.example": ["::ffff:10.0.0.1"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    return NAMES.get(host, ["93.184.216.34"])


class NoNetwork(httpx.BaseTransport):
    """Fails the test if the sender ever tries to connect."""

    def __init__(self) -> None:
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return httpx.Response(204)


def sender(transport: httpx.BaseTransport | None = None, **kwargs: object) -> HttpSender:
    return HttpSender(resolver=fake_resolver, transport=transport, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", LITERALS + sorted(NAMES))
def test_send_refuses_inward_addresses_without_connecting(host: str) -> None:
    transport = NoNetwork()
    result = sender(transport).send(f"https://{host}/hook", {}, b"{}")
    assert result.status is None and result.error == "webhook url: address not allowed"
    assert transport.calls == 0


@pytest.mark.parametrize("host", LITERALS)
def test_check_url_refuses_inward_literals(host: str) -> None:
    with pytest.raises(InvalidArgument):
        sender().check_url(f"https://{host}/hook")


@pytest.mark.parametrize(
    "url", ["gopher://example.com/", "ftp://example.com/", "dict://example.com:11211/", "jar:x"]
)
def test_check_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(InvalidArgument):
        sender().check_url(url)


def test_check_url_refuses_plain_http_unless_allowed() -> None:
    with pytest.raises(InvalidArgument):
        sender().check_url("http://example.com/hook")
    sender(allow_http=True).check_url("http://example.com/hook")


def test_send_connects_to_the_resolved_address_with_the_original_host() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    result = sender(httpx.MockTransport(handle)).send("https://ci.example/h?x=1", {}, b"{}")
    assert result.ok
    assert str(seen[0].url) == "https://93.184.216.34/h?x=1"
    assert seen[0].headers["host"] == "ci.example"
    assert seen[0].extensions["sni_hostname"] == "ci.example"


def test_send_does_not_follow_redirects() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"location": "http://169.254.169.254/"})

    result = sender(httpx.MockTransport(handle)).send("https://ci.example/h", {}, b"{}")
    assert result.status == 302 and not result.ok and len(calls) == 1


def test_literal_address_reads_names_as_none() -> None:
    assert literal_address("ci.example") is None
    assert literal_address("deadbeef") is None


def test_send_delivers_to_an_allowed_loopback_receiver() -> None:
    with receiver([Reply(200, body=b"thanks")]) as box:
        live = HttpSender(allow_hosts=["127.0.0.1"], allow_http=True)
        result = live.send(box.url, {"webhook-id": "msg_1"}, b'{"seq": 1}')
    assert result.status == 200 and result.excerpt == "thanks"
    assert box.received[0].body == b'{"seq": 1}'
    assert box.received[0].headers["webhook-id"] == "msg_1"


def test_send_reports_a_server_error_with_retry_after() -> None:
    with receiver([Reply(503, {"retry-after": "30"}, b"busy")]) as box:
        result = HttpSender(allow_hosts=["127.0.0.1"], allow_http=True).send(box.url, {}, b"{}")
    assert result.status == 503 and result.retry_after == timedelta(seconds=30)


def test_send_reads_only_the_first_kib_of_a_huge_response() -> None:
    with receiver([Reply(200, body=b"x" * 500_000)]) as box:
        result = HttpSender(allow_hosts=["127.0.0.1"], allow_http=True).send(box.url, {}, b"{}")
    assert result.ok and len(result.excerpt) == 1024


def test_send_times_out_on_a_hanging_receiver() -> None:
    with receiver([Reply(hang=True)]) as box:
        live = HttpSender(allow_hosts=["127.0.0.1"], allow_http=True, read_timeout=0.2)
        result = live.send(box.url, {}, b"{}")
    assert result.status is None and result.error == "timed out"


def test_send_reports_a_refused_connection() -> None:
    live = HttpSender(allow_hosts=["127.0.0.1"], allow_http=True)
    result = live.send(closed_port_url(), {}, b"{}")
    assert result.status is None and result.error == "connection failed"


def test_send_refuses_loopback_receiver_when_not_allowed() -> None:
    with receiver() as box:
        result = HttpSender(allow_http=True).send(box.url, {}, b"{}")
    assert result.error == "webhook url: address not allowed" and box.received == []
