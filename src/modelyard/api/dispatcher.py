"""The webhook side of the server: the secret box and sender built from the settings, and
the background dispatcher (one task per process) that calls ``deliver_due`` about every
second until the app shuts down. Replicas share the work through the store's leases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modelyard.adapters.http_sender import HttpSender
from modelyard.api.metrics import Metrics
from modelyard.bootstrap import Runtime, webhook_tools
from modelyard.config import Settings
from modelyard.errors import ModelyardError, Unavailable
from modelyard.service.dispatch import Dispatcher, deliver_due, queue_state
from modelyard.service.ports import SecretBox, WebhookSender

log = logging.getLogger("modelyard.webhooks")
INTERVAL = 1.0


@dataclass(frozen=True)
class WebhookRuntime:
    box: SecretBox | None  # None: no MODELYARD_SECRET_KEY, so no subscriptions can be made
    sender: WebhookSender
    window: timedelta = timedelta(hours=24)

    def secret_box(self) -> SecretBox:
        if self.box is None:
            raise Unavailable("webhooks need MODELYARD_SECRET_KEY set on the server")
        return self.box


def webhook_runtime(settings: Settings | None) -> WebhookRuntime:
    if settings is None:
        return WebhookRuntime(None, HttpSender())
    box, sender, window = webhook_tools(settings)
    return WebhookRuntime(box, sender, window)


def _pass(registry: Runtime, dispatcher: Dispatcher, metrics: Metrics) -> None:
    now = datetime.now(UTC)
    ctx = registry.context.as_actor("webhook-dispatcher")
    deliver_due(ctx, dispatcher, now)
    depth, oldest = queue_state(ctx)
    metrics.webhook_queue.set(depth)
    metrics.webhook_oldest.set((now - oldest).total_seconds() if oldest else 0)


async def run_dispatcher(
    registry: Runtime, hooks: WebhookRuntime, metrics: Metrics, stop: asyncio.Event
) -> None:
    """Deliver until ``stop`` is set; a failing pass is logged (without its message: it
    may quote a URL) and the next one tries again."""
    dispatcher = Dispatcher(
        hooks.secret_box(),
        hooks.sender,
        f"{uuid.uuid4().hex[:16]}",
        window=hooks.window,
        observe=lambda outcome: metrics.webhook_deliveries.labels(outcome).inc(),
    )
    while not stop.is_set():
        try:
            await asyncio.to_thread(_pass, registry, dispatcher, metrics)
        except ModelyardError as exc:
            log.warning("webhook dispatch pass failed: %s", exc.code)
        except Exception as exc:  # the loop must outlive one bad pass
            log.warning("webhook dispatch pass failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL)


@asynccontextmanager
async def dispatching(
    registry: Runtime, hooks: WebhookRuntime, metrics: Metrics, *, on: bool
) -> AsyncIterator[None]:
    """Run the dispatcher for the app's lifetime (when on and a secret key is set); on
    shutdown, let the pass in flight finish, then stop."""
    if not on or hooks.box is None:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(run_dispatcher(registry, hooks, metrics, stop))
    try:
        yield
    finally:
        stop.set()
        await task
