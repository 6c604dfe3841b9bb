"""Request metrics (Prometheus) and one structured log line per request."""

from __future__ import annotations

import json
import logging
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelyard.api.errors import error_response, log_unexpected

log = logging.getLogger("modelyard.access")
log_errors = logging.getLogger("modelyard.api")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "modelyard_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "modelyard_http_request_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            registry=self.registry,
        )

        self.webhook_deliveries = Counter(
            "modelyard_webhook_deliveries_total",
            "Webhook delivery attempts by outcome (succeeded, failed, dead)",
            ["outcome"],
            registry=self.registry,
        )
        self.webhook_queue = Gauge(
            "modelyard_webhook_queue_depth",
            "Webhook deliveries waiting to be sent",
            registry=self.registry,
        )
        self.webhook_oldest = Gauge(
            "modelyard_webhook_oldest_pending_seconds",
            "Age of the oldest pending webhook delivery",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            rid = str(value.decode("latin-1"))[:64]
            if rid.isalnum():
                return rid
    return uuid.uuid4().hex


class Observe:
    """Give each request an id, time it, count it and log one JSON line (no bodies, no
    secrets). A plain ASGI middleware: no per-request task or body buffering."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        start, status, started = time.perf_counter(), 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Logged here, once, without its message; re-raised, the server would log it again
            # with the message (SQL parameters included). A response already under way is cut
            # short by the server all the same, so the client never takes it for a whole one.
            log_unexpected(log_errors, rid, exc)
            if not started:
                body = error_response(500, "INTERNAL_ERROR", f"internal error (request {rid})")
                await body(scope, receive, send_with_id)
        finally:
            self._record(scope, rid, status, time.perf_counter() - start)

    def _record(self, scope: Scope, rid: str, status: int, elapsed: float) -> None:
        route = str(getattr(scope.get("route"), "path", "unmatched"))
        method = scope.get("method", "")
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(method, route).observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            log.info(
                json.dumps(
                    {
                        "request_id": rid,
                        "method": method,
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    }
                )
            )
