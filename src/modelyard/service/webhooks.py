"""Webhook subscriptions: create, read, update, delete, rotate the secret, test, and the
delivery log (list, redeliver). Admin-only. Delivery itself is ``service.dispatch``.

A secret is returned once, by the call that made it; afterwards it exists only sealed with
the server key, and no response, log line or audit event carries it.
"""

from __future__ import annotations

import secrets as random_source
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from modelyard.domain import names
from modelyard.domain.events import event_types
from modelyard.domain.webhooks import (
    SECRET_BYTES,
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryStatus,
    SealedSecrets,
    Subscription,
    new_secret,
    secret_key,
    signed_headers,
)
from modelyard.errors import Conflict, InvalidArgument
from modelyard.service.context import Context, append_audit
from modelyard.service.permissions import require
from modelyard.service.ports import Repository, SecretBox, WebhookSender

MAX_DESCRIPTION = 1000
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=30)
MAX_LOG = 1000


@dataclass(frozen=True)
class WebhookSpec:
    url: str
    events: str | list[str]
    model: str | None = None
    description: str = ""
    secret: str | None = None  # None: generate one, shown once


@dataclass(frozen=True)
class Created:
    subscription: Subscription
    secret: str | None  # the generated secret, or None when the caller brought one


@dataclass(frozen=True)
class WebhookChange:
    url: str | None = None
    events: str | list[str] | None = None
    model: str | None = None
    clear_model: bool = False
    enabled: bool | None = None
    description: str | None = None


def _description(text: str) -> str:
    if not isinstance(text, str) or len(text) > MAX_DESCRIPTION:
        raise InvalidArgument(f"description must be at most {MAX_DESCRIPTION} characters")
    return text


def _model(name: str | None) -> str | None:
    return None if name is None else names.model_name(name)


def _redacted(url: str) -> str:
    """The URL as the audit trail records it: no query (receivers put tokens there)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _secret(given: str | None) -> tuple[str, str | None]:
    """The secret to store, and the same when it was generated (to show once): a secret
    the caller brought is checked before anything is stored, and never echoed."""
    if given is not None:
        secret_key(given)
        return given, None
    made = new_secret(random_source.token_bytes(SECRET_BYTES))
    return made, made


def _audit(ctx: Context, repo: Repository, action: str, sub: Subscription) -> None:
    after: dict[str, Any] = {
        "webhook": sub.id,
        "url": _redacted(sub.url),
        "events": sorted(sub.events),
        "model": sub.model,
        "enabled": sub.enabled,
    }
    append_audit(ctx, repo, action, after=after)


def create_webhook(
    ctx: Context, box: SecretBox, sender: WebhookSender, spec: WebhookSpec
) -> Created:
    """Subscribe a URL to event types; it hears changes from now on."""
    sender.check_url(spec.url)
    kinds = event_types(spec.events)
    secret, generated = _secret(spec.secret)
    sub = Subscription(
        ctx.new_id(),
        spec.url,
        kinds,
        _model(spec.model),
        True,
        _description(spec.description),
        ctx.clock(),
        ctx.actor,
    )
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "webhooks.create_webhook")
        uow.repo.add_webhook(sub, SealedSecrets(box.seal(secret)))
        _audit(ctx, uow.repo, "webhook.create", sub)
        uow.commit()
    return Created(sub, generated)


def list_webhooks(ctx: Context) -> list[Subscription]:
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "webhooks.list_webhooks")
        return uow.repo.list_webhooks()


def get_webhook(ctx: Context, sub_id: str) -> Subscription:
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "webhooks.get_webhook")
        return uow.repo.get_webhook(sub_id)


def _changed(sub: Subscription, change: WebhookChange, sender: WebhookSender) -> Subscription:
    if change.url is not None:
        sender.check_url(change.url)
    model = None if change.clear_model else _model(change.model) if change.model else sub.model
    return replace(
        sub,
        url=change.url if change.url is not None else sub.url,
        events=event_types(change.events) if change.events is not None else sub.events,
        model=model,
        enabled=change.enabled if change.enabled is not None else sub.enabled,
        description=(
            _description(change.description) if change.description is not None else sub.description
        ),
    )


def update_webhook(
    ctx: Context, sender: WebhookSender, sub_id: str, change: WebhookChange
) -> Subscription:
    """Change a subscription's target, filter, model, description or enabled flag."""
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "webhooks.update_webhook")
        sub = _changed(uow.repo.get_webhook(sub_id), change, sender)
        uow.repo.update_webhook(sub)
        _audit(ctx, uow.repo, "webhook.update", sub)
        uow.commit()
    return sub


def delete_webhook(ctx: Context, sub_id: str) -> None:
    """Delete a subscription with its pending deliveries and its delivery log."""
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "webhooks.delete_webhook")
        sub = uow.repo.get_webhook(sub_id)
        uow.repo.delete_webhook(sub_id)
        _audit(ctx, uow.repo, "webhook.delete", sub)
        uow.commit()


def rotate_secret(
    ctx: Context,
    box: SecretBox,
    sub_id: str,
    secret: str | None = None,
    grace: timedelta = DEFAULT_GRACE,
) -> str | None:
    """Replace the signing secret; deliveries carry both signatures for ``grace``, so
    receivers switch at their own pace. Returns the new secret when it was generated."""
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise InvalidArgument("grace must be between 0 and 30 days")
    fresh, generated = _secret(secret)
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "webhooks.rotate_secret")
        sub = uow.repo.get_webhook(sub_id)
        old = uow.repo.get_webhook_secrets(sub_id)
        until = ctx.clock() + grace
        uow.repo.set_webhook_secrets(sub_id, SealedSecrets(box.seal(fresh), old.current, until))
        _audit(ctx, uow.repo, "webhook.rotate_secret", sub)
        uow.commit()
    return generated


def ping_webhook(ctx: Context, box: SecretBox, sender: WebhookSender, sub_id: str) -> AttemptResult:
    """Send a signed ``webhook.test`` ping now; nothing is queued or retried."""
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "webhooks.ping_webhook")
        sub = uow.repo.get_webhook(sub_id)
        sealed = uow.repo.get_webhook_secrets(sub_id)
    now = ctx.clock()
    body = b'{"type":"webhook.test","webhook":"' + sub.id.encode() + b'"}'
    headers = signed_headers(
        [box.open(s) for s in sealed.valid(now)], f"msg_test_{ctx.new_id()}", now, body
    )
    return sender.send(sub.url, headers, body)


def list_deliveries(ctx: Context, sub_id: str, limit: int = 100) -> list[Delivery]:
    """A subscription's deliveries, newest first."""
    if not 1 <= limit <= MAX_LOG:
        raise InvalidArgument(f"limit must be between 1 and {MAX_LOG}")
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "webhooks.list_deliveries")
        return uow.repo.list_deliveries(sub_id, limit)


def list_attempts(ctx: Context, delivery_id: str) -> list[Attempt]:
    """The log of one delivery: every attempt, oldest first."""
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "webhooks.list_attempts")
        uow.repo.get_delivery(delivery_id)
        return uow.repo.list_attempts(delivery_id)


def redeliver(ctx: Context, delivery_id: str) -> Delivery:
    """Queue a delivery again (a dead one, or a delivered one a receiver lost), with a
    fresh retry window. It keeps its place in the subscription's order (its sequence)."""
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "webhooks.redeliver")
        found = uow.repo.get_delivery(delivery_id)
        if found.status is DeliveryStatus.PENDING:
            raise Conflict(f"delivery {delivery_id!r} is already pending")
        now = ctx.clock()
        again = replace(found, status=DeliveryStatus.PENDING, next_at=now, window_from=now)
        uow.repo.update_delivery(again)
        _audit(ctx, uow.repo, "webhook.redeliver", uow.repo.get_webhook(found.subscription_id))
        uow.commit()
    return again
