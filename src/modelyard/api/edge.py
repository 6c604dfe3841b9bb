"""The server's edge: which hosts it answers for, and which requests a browser may not forge.

One plain ASGI middleware guards every route of every surface (``/api/v1``, the MLflow
prefixes, the artifact proxy and any route added later), because it runs before routing:

- **Host** (DNS rebinding): when the server knows its names (loopback), a request naming any
  other host is refused with 400 ``UNTRUSTED_HOST``. Names, IPv4 and bracketed IPv6 are
  parsed with their optional port; an allowed entry without a port matches any port.
- **Cross-site requests** (CSRF): a browser sends a form POST or a ``text/plain`` fetch to any
  origin without asking first. Every method but GET/HEAD/OPTIONS is refused with 403
  ``CROSS_SITE_REQUEST`` when ``Sec-Fetch-Site`` says another site sent it, or when an
  ``Origin`` other than the server's own is present; a POST must also declare a JSON body
  (``application/json`` or ``application/*+json``), which no browser sends cross-origin
  without a CORS preflight this server never grants. PUT, PATCH and DELETE always preflight.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard.api.errors import error_response
from modelyard.api.media import is_json
from modelyard.api.mlflow.protocol import PREFIXES, mlflow_error
from modelyard.errors import CrossSiteRequest, ModelyardError, UntrustedHost

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# every path the MLflow adapter serves (the artifact proxy's "/…/mlflow-artifacts" included,
# by string prefix): its errors take MLflow's shape
MLFLOW_PATHS = (*PREFIXES, "/api/3.0/mlflow")
_NAME = re.compile(r"[a-z0-9_][a-z0-9_.-]{0,252}")
_PORT = re.compile(r"[0-9]{1,5}")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SAME_SITE_OK = frozenset({"same-origin", "none"})


@dataclass(frozen=True)
class HostPort:
    """A parsed authority: a lower-case name or a canonical IP text, and the port if given."""

    host: str
    port: int | None


def _port(text: str) -> int:
    if not _PORT.fullmatch(text) or int(text) > 65535:
        raise UntrustedHost(f"invalid port in host {text[:20]!r}")
    return int(text)


def _bracketed(value: str) -> HostPort:
    end = value.find("]")
    try:
        ip = ipaddress.IPv6Address(value[1:end] if end > 0 else "")
    except ValueError:
        raise UntrustedHost(f"invalid IPv6 host {value[:60]!r}") from None
    rest = value[end + 1 :]
    if rest and not rest.startswith(":"):
        raise UntrustedHost(f"invalid host {value[:60]!r}")
    return HostPort(str(ip), _port(rest[1:]) if rest else None)


def parse_host(value: str) -> HostPort:
    """A Host header or URL authority: ``name``, ``1.2.3.4`` or ``[::1]``, each ``[:port]``."""
    if value.startswith("["):
        return _bracketed(value)
    name, sep, port = value.partition(":")
    name = name.lower().removesuffix(".")
    try:
        name = str(ipaddress.IPv4Address(name))
    except ValueError:
        if not _NAME.fullmatch(name):
            raise UntrustedHost(f"invalid host {value[:60]!r}") from None
    return HostPort(name, _port(port) if sep else None)


@dataclass(frozen=True)
class AllowedHost:
    """One allowed-hosts entry: ``*``, ``*.example.com``, ``::1``, or a host with an optional
    port (which then must match too)."""

    pattern: HostPort
    wildcard: bool = False

    @classmethod
    def parse(cls, entry: str) -> AllowedHost:
        if entry == "*":
            return cls(HostPort("", None), wildcard=True)
        if entry.startswith("*."):
            return cls(parse_host(entry[1:].lstrip(".")), wildcard=True)
        if entry.count(":") > 1 and not entry.startswith("["):
            return cls(parse_host(f"[{entry}]"))
        return cls(parse_host(entry))

    def matches(self, got: HostPort) -> bool:
        want = self.pattern
        if want.port is not None and want.port != got.port:
            return False
        if self.wildcard:
            return not want.host or got.host.endswith("." + want.host)
        return got.host == want.host


def host_allowed(header: str | None, allowed: list[AllowedHost]) -> bool:
    try:
        got = parse_host(header or "")
    except UntrustedHost:
        return False
    return any(entry.matches(got) for entry in allowed)


def _origin_key(scheme: str, authority: HostPort) -> tuple[str, str, int | None]:
    port = authority.port if authority.port is not None else _DEFAULT_PORTS.get(scheme)
    web = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return web, authority.host, port


def same_origin(origin: str, scheme: str, host: str | None) -> bool:
    """Whether ``Origin`` names this server as the request reached it (scheme://host[:port])."""
    their_scheme, sep, authority = origin.lower().partition("://")
    if not sep or their_scheme not in ("http", "https") or not host:
        return False  # "null" (sandboxed frames, file: pages) and anything odd is foreign
    try:
        theirs = _origin_key(their_scheme, parse_host(authority))
        ours = _origin_key(scheme, parse_host(host))
    except UntrustedHost:
        return False
    return theirs == ours


def cross_site_problem(scope: Scope, headers: Headers) -> CrossSiteRequest | None:
    """Why a browser could have forged this request, or None when it could not."""
    method = scope.get("method", "WEBSOCKET")
    if method in SAFE_METHODS:
        return None
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in _SAME_SITE_OK:
        return CrossSiteRequest(f"refused a {site[:20]!r} {method} (Sec-Fetch-Site)")
    origin = headers.get("origin")
    if origin is not None and not same_origin(origin, scope["scheme"], headers.get("host")):
        return CrossSiteRequest(f"refused a {method} from origin {origin[:80]!r}")
    if method == "POST" and not is_json(headers.get("content-type")):
        return CrossSiteRequest("a POST must send Content-Type: application/json")
    return None


def refusal(path: str, exc: ModelyardError) -> JSONResponse:
    """An error in the shape of the surface the path belongs to (MLflow's or ours)."""
    if path.startswith(MLFLOW_PATHS):
        return mlflow_error(exc)
    return error_response(exc.http_status, exc.code, exc.message)


class EdgeGuard:
    """Refuse untrusted hosts and forgeable cross-site requests before any route runs."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str] | None = None) -> None:
        self.app = app
        self.allowed = [AllowedHost.parse(h) for h in allowed_hosts] if allowed_hosts else None

    def problem(self, scope: Scope) -> ModelyardError | None:
        headers = Headers(scope=scope)
        host = headers.get("host")
        if self.allowed is not None and not host_allowed(host, self.allowed):
            return UntrustedHost(f"this server does not answer for host {(host or '')[:80]!r}")
        return cross_site_problem(scope, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = self.problem(scope) if scope["type"] in ("http", "websocket") else None
        if problem is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await refusal(scope["path"], problem)(scope, receive, send)
