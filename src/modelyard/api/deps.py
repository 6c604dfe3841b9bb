"""Request-scoped dependencies: the service context with the caller as actor."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from modelyard.bootstrap import Runtime
from modelyard.domain.identity import Principal
from modelyard.domain.tokens import REJECTED
from modelyard.errors import InvalidArgument, Unauthenticated
from modelyard.service.context import Context

USER_HEADER = "x-modelyard-user"
_USER = re.compile(r"[A-Za-z0-9_.@+:-]{1,256}")


def registry(request: Request) -> Runtime:
    reg: Runtime = request.app.state.registry
    return reg


def context(request: Request) -> Context:
    """The service context for this request. With auth on, the caller is the principal
    api.auth authenticated (the user header is ignored); with auth off, the actor is the
    unauthenticated user header, with full rights, as before authentication existed."""
    # set by api.idempotency when the request carries an Idempotency-Key
    key = getattr(request.state, "request_key", None)
    base = registry(request).context.with_request_key(key)
    if _auth_on(request):
        principal: Principal | None = request.scope.get("state", {}).get("principal")
        if principal is None:  # a public route: it calls no use case
            raise Unauthenticated(REJECTED)
        return base.as_principal(principal)
    user = request.headers.get(USER_HEADER, "anonymous")
    if not _USER.fullmatch(user):
        raise InvalidArgument("invalid user header: use 1-256 characters A-Z a-z 0-9 _ . @ + : -")
    return base.as_actor(user)


def _auth_on(request: Request) -> bool:
    auth = getattr(request.app.state, "auth", None)
    return bool(getattr(auth, "enabled", False))


Ctx = Annotated[Context, Depends(context)]
Reg = Annotated[Runtime, Depends(registry)]
