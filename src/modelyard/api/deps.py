"""Request-scoped dependencies: the service context with the caller as actor."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from modelyard.bootstrap import Runtime
from modelyard.errors import InvalidArgument
from modelyard.service.context import Context

USER_HEADER = "x-modelyard-user"
_USER = re.compile(r"[A-Za-z0-9_.@+:-]{1,256}")


def registry(request: Request) -> Runtime:
    reg: Runtime = request.app.state.registry
    return reg


def context(request: Request) -> Context:
    """The service context for this request; the actor is the (unauthenticated) user header."""
    user = request.headers.get(USER_HEADER, "anonymous")
    if not _USER.fullmatch(user):
        raise InvalidArgument("invalid user header: use 1-256 characters A-Z a-z 0-9 _ . @ + : -")
    # set by api.idempotency when the request carries an Idempotency-Key
    key = getattr(request.state, "request_key", None)
    return registry(request).context.as_actor(user).with_request_key(key)


Ctx = Annotated[Context, Depends(context)]
Reg = Annotated[Runtime, Depends(registry)]
