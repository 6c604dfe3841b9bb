"""Request body limits, enforced while the body streams in (a lying Content-Length included).

JSON bodies are capped at ``MAX_JSON_BODY``. Blob uploads (``PUT /api/v1/blobs/sha256:…``)
and MLflow artifact uploads (under both artifact proxy prefixes) stream into the blob store
and are capped by the configurable maximum blob size instead.
"""

from __future__ import annotations

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.api.edge import refusal
from modelyard.api.mlflow.artifacts import PREFIXES as ARTIFACT_PREFIXES
from modelyard.api.routes.blobs import router as blobs_router
from modelyard.config import DEFAULT_MAX_BLOB_BYTES
from modelyard.errors import PayloadTooLarge

MAX_JSON_BODY = 32 * 1024 * 1024
# derived from the routes' own prefixes, so a surface that streams cannot be left out
STREAMED_PREFIX = (
    f"{blobs_router.prefix}/sha256:",
    *(f"{prefix}/" for prefix in ARTIFACT_PREFIXES),
)


class BodyTooLarge(PayloadTooLarge):
    """Raised into the app's body reads once the limit is passed; the 413 replaces its answer."""


def is_streamed(scope: Scope) -> bool:
    return scope.get("method") == "PUT" and str(scope.get("path", "")).startswith(STREAMED_PREFIX)


class BodyLimit:
    """Refuse bodies over their limit with 413: JSON over ``limit``, blobs over ``blob_limit``."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_JSON_BODY, blob_limit: int = DEFAULT_MAX_BLOB_BYTES
    ) -> None:
        self.app, self.limit, self.blob_limit = app, limit, blob_limit

    def _too_large(self, scope: Scope) -> BodyTooLarge:
        if is_streamed(scope):
            return BodyTooLarge(
                f"upload exceeds the maximum blob size of {self.blob_limit} bytes "
                "(MODELYARD_MAX_BLOB_BYTES)"
            )
        return BodyTooLarge(f"request body exceeds {self.limit} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.blob_limit if is_streamed(scope) else self.limit
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (
            not declared.isdigit() or len(declared) > 20 or int(declared) > limit
        ):
            await self._refuse(scope, receive, send)
            return
        seen, exceeded, started = 0, False, False

        async def counting() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                exceeded = True
                raise self._too_large(scope)
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
        await refusal(scope["path"], self._too_large(scope))(scope, receive, send)
