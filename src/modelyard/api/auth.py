"""Authentication at the server's edge: a credential becomes a Principal, or a 401.

With auth on, one ASGI middleware runs before routing for every surface (``/api/v1``, both
MLflow prefixes, the artifact proxy, ``/api/3.0`` and any route added later):

- ``Authorization: Bearer <token>``, or ``Authorization: Basic`` whose password is a token
  (the mlflow client's ``MLFLOW_TRACKING_USERNAME``/``PASSWORD``). The Basic username is
  ignored: the token alone says who is calling, and the audit names the token's user.
- A trusted proxy's user header (``--trusted-proxy-header``), honoured only from the peer
  addresses of ``--trusted-proxies``; it names a user that must exist and be enabled.
- A token in the query string (``?token=``, ``?access_token=``) is refused with 401 and
  never used: URLs end up in logs, browser histories and Referer headers.
- ``X-Modelyard-User`` is ignored.

Anonymous requests get 401 with ``WWW-Authenticate``, except on the public routes of
``routes.ROUTE_ACCESS`` (liveness, readiness, the API description). What an authenticated
caller may then do is decided by each use case (``service.permissions``), never here.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from modelyard.api.access import PUBLIC_PATHS
from modelyard.api.edge import MLFLOW_PATHS, refusal
from modelyard.bootstrap import Runtime
from modelyard.domain.identity import Principal
from modelyard.domain.tokens import REJECTED
from modelyard.errors import InvalidArgument, ModelyardError, NotFound, Unauthenticated
from modelyard.service import identity

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
URL_TOKEN_PARAMS = frozenset({"token", "access_token", "api_key", "apikey"})
REALM = 'realm="modelyard"'
MISSING = "authentication required: send Authorization: Bearer <token>"
IN_URL = "credentials are never accepted in a URL; send Authorization: Bearer <token>"


def parse_networks(value: str | None) -> tuple[Network, ...]:
    """``10.0.0.0/8,::1`` → networks; a bad entry is an error at start-up, not a silent gap."""
    out: list[Network] = []
    for part in (value or "").split(","):
        if not part.strip():
            continue
        try:
            out.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            raise InvalidArgument(f"invalid trusted proxy address {part.strip()[:60]!r}") from None
    return tuple(out)


@dataclass(frozen=True)
class AuthConfig:
    """How the server authenticates; ``enabled=False`` keeps today's behaviour."""

    enabled: bool = False
    proxy_header: str | None = None
    trusted_proxies: tuple[Network, ...] = field(default=())

    def trusts(self, peer: str | None) -> bool:
        if self.proxy_header is None or not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in net for net in self.trusted_proxies)


def token_from_header(value: str) -> str:
    """The token of an ``Authorization`` header (Bearer, or Basic with the token as the
    password); any other scheme or a malformed value gives the one rejection message."""
    scheme, _, rest = value.strip().partition(" ")
    rest = rest.strip()
    if scheme.lower() == "bearer" and rest:
        return rest
    if scheme.lower() == "basic" and rest:
        try:
            decoded = base64.b64decode(rest, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated(REJECTED) from None
        _user, sep, password = decoded.partition(":")
        if sep and password:
            return password
    raise Unauthenticated(REJECTED)


def token_in_url(query_string: bytes) -> bool:
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    except ValueError:
        return False
    return any(key.lower() in URL_TOKEN_PARAMS for key, _ in pairs)


def resolve(runtime: Runtime, config: AuthConfig, scope: Scope) -> Principal | None:
    """The principal a request's credentials stand for; None when it brings none.
    Blocking (it reads the database): run it in a worker thread."""
    headers = Headers(scope=scope)
    ctx = runtime.context
    authorization = headers.get("authorization")
    if authorization:  # an empty header carries no credential
        return identity.authenticate(ctx, token_from_header(authorization))
    client = scope.get("client")
    if config.proxy_header is not None and config.trusts(client[0] if client else None):
        name = headers.get(config.proxy_header)
        if name is not None:
            try:
                return identity.trusted_principal(ctx, name)
            except (InvalidArgument, NotFound):
                raise Unauthenticated(REJECTED) from None
    return None


def challenge(path: str) -> list[tuple[bytes, bytes]]:
    """``WWW-Authenticate`` for a 401: Bearer everywhere, Basic too where the mlflow client
    may answer with a username and password."""
    out = [(b"www-authenticate", f"Bearer {REALM}".encode())]
    if path.startswith(MLFLOW_PATHS) or path.startswith("/api/2.0/mlflow-artifacts"):
        out.append((b"www-authenticate", f"Basic {REALM}".encode()))
    return out


class Authenticate:
    """Put the caller's Principal in ``scope["state"]["principal"]``, or answer 401."""

    def __init__(self, app: ASGIApp, config: AuthConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.config.enabled:
            await self.app(scope, receive, send)
            return
        if scope["path"] in PUBLIC_PATHS:  # a probe never fails on credentials
            await self.app(scope, receive, send)
            return
        try:
            if token_in_url(scope.get("query_string", b"")):
                raise Unauthenticated(IN_URL)
            principal = await self._principal(scope)
            if principal is None:
                raise Unauthenticated(MISSING)
        except ModelyardError as exc:  # raised before the app's error handlers: render here
            await self._refuse(scope, receive, send, exc)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def _principal(self, scope: Scope) -> Principal | None:
        runtime: Runtime = scope["app"].state.registry
        return await run_in_threadpool(resolve, runtime, self.config, scope)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, exc: ModelyardError
    ) -> None:
        response = refusal(scope["path"], exc)
        if isinstance(exc, Unauthenticated):
            response.raw_headers.extend(challenge(scope["path"]))
        await response(scope, receive, send)
