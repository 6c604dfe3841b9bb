"""The one outbound HTTP adapter: webhook deliveries, safe against SSRF.

The host is resolved once and the connection goes to that address (the URL is rewritten to
it, the Host header and TLS server name keep the original name), so a DNS answer that
changes between check and use (rebinding) cannot steer a delivery inward. Loopback,
private, link-local, multicast, unspecified and cloud-metadata addresses are refused in
every spelling (numeric IPv4 forms are read the way the C resolver reads them) unless the
operator allows the host. No redirects, no proxies from the environment, connect/read/
write timeouts, and only the first KiB of a response is ever read.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx

from modelyard.domain.webhooks import (
    EXCERPT_BYTES,
    AttemptResult,
    excerpt,
    parse_retry_after,
    validate_url,
)
from modelyard.errors import InvalidArgument

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# metadata services that sit on otherwise routable addresses
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
REFUSED = "address not allowed"  # the one reason given: it tells an attacker nothing more


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for a host name."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def literal_address(host: str) -> Address | None:
    """The address a host spells literally, read like the C resolver would read it
    (``127.1``, ``2130706433``, ``0x7f000001``, ``017700000001``, ``0``), or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(ch in "0123456789abcdefxABCDEFX." for ch in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def forbidden(address: Address) -> bool:
    """Whether an address is inward-facing: anything not globally routable, multicast,
    a metadata service, or an IPv4 address wrapped in IPv6 that is one of those."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or _nat64(address)
        if inner is not None and forbidden(inner):
            return True
    if address in METADATA or address.is_multicast or address.is_unspecified:
        return True
    return not address.is_global


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class HttpSender:
    """Sends one signed delivery and reports what happened as an ``AttemptResult``."""

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        allow_http: bool = False,
        resolver: Resolver = system_resolver,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.allow_hosts = frozenset(h.strip().lower() for h in allow_hosts if h.strip())
        self.allow_http = allow_http
        self._resolver = resolver
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._transport = transport
        self._clock = clock

    def check_url(self, url: str) -> None:
        """Refuse a target whose shape or literal address is not allowed (at subscription
        time; names are resolved and checked again at every delivery)."""
        validate_url(url, allow_http=self.allow_http)
        host = (urlsplit(url).hostname or "").lower()
        if self._allowed(host):
            return
        address = literal_address(host)
        if _local_name(host) or (address is not None and forbidden(address)):
            raise InvalidArgument(f"webhook url: {REFUSED}")

    def target(self, url: str) -> tuple[str, str]:
        """The URL rewritten to the one address it connects to, and the original host."""
        self.check_url(url)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = literal_address(host)
        if address is None:
            address = self._resolve(host, port)
        netloc = f"[{address}]" if address.version == 6 else str(address)
        if parts.port is not None:
            netloc = f"{netloc}:{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host

    def _resolve(self, host: str, port: int) -> Address:
        try:
            found = [ipaddress.ip_address(a.split("%")[0]) for a in self._resolver(host, port)]
        except (OSError, ValueError) as exc:
            raise InvalidArgument("webhook url: host did not resolve") from exc
        if not found:
            raise InvalidArgument("webhook url: host did not resolve")
        # one inward answer taints the name: a rebinding resolver mixes them
        if not self._allowed(host) and any(forbidden(a) for a in found):
            raise InvalidArgument(f"webhook url: {REFUSED}")
        return found[0]

    def _allowed(self, host: str) -> bool:
        return host in self.allow_hosts

    def send(self, url: str, headers: dict[str, str], body: bytes) -> AttemptResult:
        """POST the body; never raises for the receiver's faults, only reports them."""
        try:
            address_url, host = self.target(url)
        except InvalidArgument as exc:
            return AttemptResult(None, 0, "", exc.message)
        request_headers = dict(headers) | {"host": _host_header(url, host)}
        started = time.monotonic()
        try:
            with httpx.Client(
                timeout=self._timeout,
                follow_redirects=False,
                trust_env=False,
                transport=self._transport,
            ) as client:
                request = client.build_request(
                    "POST",
                    address_url,
                    headers=request_headers,
                    content=body,
                    extensions={"sni_hostname": host},
                )
                response = client.send(request, stream=True)
                try:
                    head = _read_head(response)
                finally:
                    response.close()
        except httpx.TimeoutException:
            return AttemptResult(None, _ms(started), "", "timed out")
        except httpx.HTTPError as exc:
            return AttemptResult(None, _ms(started), "", _reason(exc))
        hint = parse_retry_after(response.headers.get("retry-after"), self._clock())
        return AttemptResult(response.status_code, _ms(started), excerpt(head), "", hint)


def _read_head(response: httpx.Response) -> bytes:
    if response.is_stream_consumed:  # an in-memory transport hands over read bodies
        return response.content[:EXCERPT_BYTES]
    head = b""
    for chunk in response.iter_raw(EXCERPT_BYTES):
        head += chunk
        if len(head) >= EXCERPT_BYTES:
            break
    return head[:EXCERPT_BYTES]


def _host_header(url: str, host: str) -> str:
    port = urlsplit(url).port
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def _local_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol error"
    return "request failed"
