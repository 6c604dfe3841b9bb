"""Webhook subscriptions and their delivery log on the wire. A secret appears only in
``WebhookCreated`` and ``RotatedOut``, once, when the server generated it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr

from modelyard.domain.webhooks import (
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryStatus,
    Subscription,
)
from modelyard.wire.common import Strict


class WebhookIn(Strict):
    url: StrictStr = Field(max_length=2048)
    events: list[StrictStr] = Field(min_length=1, max_length=64)
    model: StrictStr | None = None
    description: StrictStr = Field(default="", max_length=1000)
    secret: StrictStr | None = Field(default=None, max_length=256)  # else generated


class WebhookPatch(Strict):
    """A change to a subscription; absent fields stay as they are."""

    url: StrictStr | None = Field(default=None, max_length=2048)
    events: list[StrictStr] | None = Field(default=None, min_length=1, max_length=64)
    model: StrictStr | None = None
    all_models: StrictBool = False  # drop the model filter
    enabled: StrictBool | None = None
    description: StrictStr | None = Field(default=None, max_length=1000)


class RotateIn(Strict):
    secret: StrictStr | None = Field(default=None, max_length=256)
    grace_seconds: StrictInt = Field(default=24 * 3600, ge=0, le=30 * 24 * 3600)


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    model: str | None
    enabled: bool
    description: str
    created_at: datetime
    created_by: str


class WebhookCreated(BaseModel):
    webhook: WebhookOut
    secret: str | None  # the generated signing secret: shown this once


class RotatedOut(BaseModel):
    secret: str | None


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]


class AttemptOut(BaseModel):
    number: int
    at: datetime
    status: int | None
    latency_ms: int
    response: str  # the first KiB of the response body
    error: str


class DeliveryOut(BaseModel):
    id: str
    webhook: str
    seq: int
    status: str
    attempts: int
    created_at: datetime
    next_at: datetime | None
    window_from: datetime  # the retry window opened here
    last_status: int | None
    last_error: str


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


class AttemptList(BaseModel):
    attempts: list[AttemptOut]


class PingOut(BaseModel):
    ok: bool
    status: int | None
    latency_ms: int
    response: str
    error: str


def webhook_out(sub: Subscription) -> WebhookOut:
    return WebhookOut(
        id=sub.id,
        url=sub.url,
        events=sorted(sub.events),
        model=sub.model,
        enabled=sub.enabled,
        description=sub.description,
        created_at=sub.created_at,
        created_by=sub.created_by,
    )


def delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        webhook=d.subscription_id,
        seq=d.seq,
        status=d.status.value,
        attempts=d.attempts,
        created_at=d.created_at,
        next_at=d.next_at,
        window_from=d.window_from,
        last_status=d.last_status,
        last_error=d.last_error,
    )


def attempt_out(a: Attempt) -> AttemptOut:
    r = a.result
    return AttemptOut(
        number=a.number,
        at=a.at,
        status=r.status,
        latency_ms=r.latency_ms,
        response=r.excerpt,
        error=r.error,
    )


def webhook_to_domain(out: WebhookOut) -> Subscription:
    return Subscription(
        out.id,
        out.url,
        frozenset(out.events),
        out.model,
        out.enabled,
        out.description,
        out.created_at,
        out.created_by,
    )


def delivery_to_domain(out: DeliveryOut) -> Delivery:
    return Delivery(
        out.id,
        out.webhook,
        out.seq,
        DeliveryStatus(out.status),
        out.attempts,
        out.created_at,
        out.next_at,
        out.window_from,
        out.last_status,
        out.last_error,
    )


def attempt_to_domain(delivery_id: str, out: AttemptOut) -> Attempt:
    result = AttemptResult(out.status, out.latency_ms, out.response, out.error)
    return Attempt(delivery_id, out.number, out.at, result)


def ping_to_domain(out: PingOut) -> AttemptResult:
    return AttemptResult(out.status, out.latency_ms, out.response, out.error)
