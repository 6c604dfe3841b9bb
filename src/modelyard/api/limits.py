"""Request body limits, enforced while the body streams in (a lying Content-Length included)."""

from __future__ import annotations

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.api.errors import error_response

MAX_JSON_BODY = 32 * 1024 * 1024
# PUT streams blobs (and MLflow artifact uploads) of any size
STREAMED_PREFIX = ("/api/v1/blobs/sha256:", "/api/2.0/mlflow-artifacts/artifacts/")


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse JSON bodies over the limit with 413; blob uploads stream and are exempt."""

    def __init__(self, app: ASGIApp, limit: int = MAX_JSON_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        streamed = scope.get("method") == "PUT" and path.startswith(STREAMED_PREFIX)
        if scope["type"] != "http" or streamed:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen, exceeded, started = 0, False, False

        async def counting() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                exceeded = True
                raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a truncated body is replaced by the 413
            started = True
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, counting, guarded_send)
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "PAYLOAD_TOO_LARGE", f"request body exceeds {self.limit} bytes"
        )
        await response(scope, receive, send)
