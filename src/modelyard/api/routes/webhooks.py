"""Webhook subscriptions and their delivery log (admin only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from modelyard.api.deps import Ctx
from modelyard.api.dispatcher import WebhookRuntime
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.service import webhooks
from modelyard.service.webhooks import WebhookChange, WebhookSpec
from modelyard.wire.webhooks import (
    AttemptList,
    DeliveryList,
    DeliveryOut,
    PingOut,
    RotatedOut,
    RotateIn,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
    WebhookPatch,
    attempt_out,
    delivery_out,
    webhook_out,
)

router = APIRouter(prefix="/api/v1/webhooks", responses=ERROR_RESPONSES, tags=["webhooks"])


def _hooks(request: Request) -> WebhookRuntime:
    hooks: WebhookRuntime = request.app.state.webhooks
    return hooks


Hooks = Annotated[WebhookRuntime, Depends(_hooks)]


@router.post("", status_code=201, response_model=WebhookCreated)
def create_webhook(body: WebhookIn, ctx: Ctx, hooks: Hooks) -> WebhookCreated:
    """Subscribe a URL to event types (optionally of one model). A generated signing secret
    is in this response only; it is never shown again."""
    spec = WebhookSpec(body.url, body.events, body.model, body.description, body.secret)
    created = webhooks.create_webhook(ctx, hooks.secret_box(), hooks.sender, spec)
    return WebhookCreated(webhook=webhook_out(created.subscription), secret=created.secret)


@router.get("", response_model=WebhookList)
def list_webhooks(ctx: Ctx) -> WebhookList:
    """Every subscription, oldest first."""
    return WebhookList(webhooks=[webhook_out(s) for s in webhooks.list_webhooks(ctx)])


@router.get("/{webhook_id}", response_model=WebhookOut)
def get_webhook(webhook_id: str, ctx: Ctx) -> WebhookOut:
    """One subscription (never its secret)."""
    return webhook_out(webhooks.get_webhook(ctx, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookOut)
def update_webhook(webhook_id: str, body: WebhookPatch, ctx: Ctx, hooks: Hooks) -> WebhookOut:
    """Change the URL, events, model filter, description, or enable/disable deliveries."""
    change = WebhookChange(
        body.url, body.events, body.model, body.all_models, body.enabled, body.description
    )
    return webhook_out(webhooks.update_webhook(ctx, hooks.sender, webhook_id, change))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, ctx: Ctx) -> Response:
    """Delete a subscription, its pending deliveries and its log."""
    webhooks.delete_webhook(ctx, webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", response_model=RotatedOut)
def rotate_secret(webhook_id: str, body: RotateIn, ctx: Ctx, hooks: Hooks) -> RotatedOut:
    """Replace the signing secret; both sign deliveries during the grace period."""
    grace = timedelta(seconds=body.grace_seconds)
    fresh = webhooks.rotate_secret(ctx, hooks.secret_box(), webhook_id, body.secret, grace)
    return RotatedOut(secret=fresh)


@router.post("/{webhook_id}/test", response_model=PingOut)
def test_webhook(webhook_id: str, ctx: Ctx, hooks: Hooks) -> PingOut:
    """Send a signed `webhook.test` event now and report what the receiver answered."""
    r = webhooks.ping_webhook(ctx, hooks.secret_box(), hooks.sender, webhook_id)
    return PingOut(
        ok=r.ok, status=r.status, latency_ms=r.latency_ms, response=r.excerpt, error=r.error
    )


@router.get("/{webhook_id}/deliveries", response_model=DeliveryList)
def list_deliveries(webhook_id: str, ctx: Ctx, limit: int = 100) -> DeliveryList:
    """The subscription's deliveries, newest first."""
    found = webhooks.list_deliveries(ctx, webhook_id, limit)
    return DeliveryList(deliveries=[delivery_out(d) for d in found])


@router.get("/deliveries/{delivery_id}/attempts", response_model=AttemptList)
def list_attempts(delivery_id: str, ctx: Ctx) -> AttemptList:
    """Every attempt of one delivery: time, status, latency, first KiB of the response."""
    return AttemptList(attempts=[attempt_out(a) for a in webhooks.list_attempts(ctx, delivery_id)])


@router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut)
def redeliver(delivery_id: str, ctx: Ctx) -> DeliveryOut:
    """Queue a delivery again with a fresh retry window."""
    return delivery_out(webhooks.redeliver(ctx, delivery_id))
