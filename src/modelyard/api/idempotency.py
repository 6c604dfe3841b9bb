"""Idempotency-Key for every mutating /api/v1 request: a retry is answered, never rerun.

Before the route runs, the key is looked up: a stored answer is replayed; the same key
with another request is refused (409 IDEMPOTENCY_KEY_REUSED); a key claimed by a request
that has not answered yet is waited for, briefly, then refused (409 REQUEST_IN_PROGRESS).
Otherwise the route runs with the key in its Context; the use case's first audit event
claims it in the same transaction as the change, and a 2xx answer is stored on the claim.
"""

from __future__ import annotations

import time

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.api.deps import context
from modelyard.api.errors import error_response
from modelyard.errors import ModelyardError, RequestInProgress
from modelyard.service import idempotency
from modelyard.service.context import Context, RequestKey
from modelyard.service.ports import StoredResponse

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX = "/api/v1/"
# content-addressed uploads are idempotent by nature, and stream bodies of any size; a new
# token's answer holds its secret and a password body its password, and neither may be
# stored (nor a hash of the body, which for a password is an unsalted hash of it); the
# same holds for a webhook's signing secret, in a creation or rotation body or answer
EXEMPT = ("/api/v1/blobs/", "/api/v1/tokens", "/api/v1/webhooks")
SENSITIVE_SUFFIX = "/password"
HEADER = b"idempotency-key"
WAIT_POLLS, POLL_SECONDS = 40, 0.05  # how long a retry waits for the first answer: 2 s
PURGE_EVERY = 3600.0  # seconds between sweeps of expired keys, per process


def _header(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope.get("method") not in MUTATING:
        return None
    path: str = scope.get("path", "")
    if not path.startswith(PREFIX) or path.startswith(EXEMPT) or path.endswith(SENSITIVE_SUFFIX):
        return None
    for name, value in scope.get("headers", []):
        if name == HEADER:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(stored: StoredResponse) -> list[Message]:
    headers = [
        (b"content-length", str(len(stored.body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    if stored.content_type:
        headers.append((b"content-type", stored.content_type.encode("latin-1")))
    return [
        {"type": "http.response.start", "status": stored.status, "headers": headers},
        {"type": "http.response.body", "body": stored.body, "more_body": False},
    ]


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._next_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = _header(scope)
        if raw is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        try:
            ctx = context(Request(scope))
            query = scope.get("query_string", b"").decode("latin-1")
            attempt = ctx.new_id()
            key = idempotency.request_key(raw, scope["method"], scope["path"], query, body, attempt)
            messages = await self._answer(scope, body, ctx, key)
        except ModelyardError as exc:
            await error_response(exc.http_status, exc.code, exc.message)(scope, receive, send)
            return
        for message in messages:
            await send(message)

    async def _answer(
        self, scope: Scope, body: bytes, ctx: Context, key: RequestKey
    ) -> list[Message]:
        stored = await anyio.to_thread.run_sync(idempotency.find_request, ctx, key)
        if stored is not None:
            if stored.response is not None:
                return _replay(stored.response)
            return await self._wait_for_answer(ctx, key)
        scope.setdefault("state", {})["request_key"] = key
        messages = await self._run(scope, body)
        status = int(messages[0]["status"]) if messages else 500
        if 200 <= status < 300:
            response = _captured(messages)
            await anyio.to_thread.run_sync(idempotency.store_response, ctx, key, response)
            await self._purge(ctx)
        elif status == 409 and RequestInProgress.code.encode() in _captured(messages).body:
            return await self._wait_for_answer(ctx, key)  # a twin committed first
        return messages

    async def _run(self, scope: Scope, body: bytes) -> list[Message]:
        """Run the route on the buffered body; hold its answer until the key is settled."""
        messages: list[Message] = []
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, replay, capture)
        return messages

    async def _wait_for_answer(self, ctx: Context, key: RequestKey) -> list[Message]:
        for _ in range(WAIT_POLLS):
            stored = await anyio.to_thread.run_sync(idempotency.find_request, ctx, key)
            if stored is not None and stored.response is not None:
                return _replay(stored.response)
            await anyio.sleep(POLL_SECONDS)
        raise RequestInProgress(
            "a request with this Idempotency-Key was applied or is still running, and its"
            " answer is not available; it was not run again"
        )

    async def _purge(self, ctx: Context) -> None:
        now = time.monotonic()
        if now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY
            await anyio.to_thread.run_sync(idempotency.purge_expired, ctx)


def _captured(messages: list[Message]) -> StoredResponse:
    headers = dict(messages[0].get("headers", [])) if messages else {}
    body = b"".join(m.get("body", b"") for m in messages[1:])
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    return StoredResponse(int(messages[0]["status"]) if messages else 500, content_type, body)
