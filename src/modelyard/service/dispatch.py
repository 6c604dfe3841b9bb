"""Webhook delivery: ``deliver_due`` claims the subscriptions no other replica holds, sends
what is due, and records every attempt.

The audit trail is the outbox: each subscription keeps a cursor into it, and the next
event it wants becomes a delivery row only when the previous one is done, so deliveries
leave in order and a later event waits while an earlier one is retried. A lease on the
subscription row (taken under ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, under SQLite's
single writer) keeps two replicas off one subscription; no transaction stays open while a
request is in flight. A replica that dies mid-send loses its lease when it expires and
another sends again: delivery is at least once, and the ``webhook-id`` lets a receiver
deduplicate.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from modelyard.domain.events import RegistryEvent, event_of
from modelyard.domain.webhooks import (
    DEFAULT_WINDOW,
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryStatus,
    Subscription,
    after_attempt,
    message_id,
    signed_headers,
)
from modelyard.errors import NotFound
from modelyard.service.context import Context
from modelyard.service.permissions import require
from modelyard.service.ports import Repository, SecretBox, WebhookSender

SCAN = 200  # audit events read per look for a subscription's next event
MAX_SCANS = 50


@dataclass(frozen=True)
class Dispatcher:
    """How this process delivers; ``owner`` names it in leases (unique per process)."""

    box: SecretBox
    sender: WebhookSender
    owner: str
    window: timedelta = DEFAULT_WINDOW
    lease: timedelta = timedelta(minutes=2)  # longer than one send can take
    batch: int = 20  # deliveries per subscription per call: others get their turn
    jitter: Callable[[], float] = field(default=random.random)
    # told each attempt's outcome: "succeeded", "failed" (to be retried) or "dead"
    observe: Callable[[str], None] = field(default=lambda _outcome: None)


@dataclass(frozen=True)
class Job:
    delivery: Delivery
    url: str
    headers: dict[str, str]
    body: bytes


def deliver_due(ctx: Context, dispatcher: Dispatcher, now: datetime) -> int:
    """Send every delivery due at ``now`` on the subscriptions this call could lease;
    returns the number of attempts made."""
    with ctx.uow(write=True) as uow:
        require(uow.repo, ctx.caller, "dispatch.deliver_due")
        claimed = uow.repo.claim_webhooks(dispatcher.owner, now, now + dispatcher.lease)
        uow.commit()
    attempts = 0
    for sub_id in claimed:
        try:
            attempts += _drain(ctx, dispatcher, sub_id, now)
        finally:
            with ctx.uow(write=True) as uow:
                uow.repo.release_webhook(sub_id, dispatcher.owner)
                uow.commit()
    return attempts


def _drain(ctx: Context, dispatcher: Dispatcher, sub_id: str, now: datetime) -> int:
    for sent in range(dispatcher.batch):
        job = _next_job(ctx, dispatcher, sub_id, now)
        if job is None:
            return sent
        result = dispatcher.sender.send(job.url, job.headers, job.body)
        _record(ctx, dispatcher, job.delivery, result, now)
        if not result.ok:
            return sent + 1  # the head failed: later events wait behind it
    return dispatcher.batch


def _next_job(ctx: Context, dispatcher: Dispatcher, sub_id: str, now: datetime) -> Job | None:
    with ctx.uow(write=True) as uow:
        repo = uow.repo
        try:
            sub = repo.get_webhook(sub_id)
        except NotFound:
            return None  # deleted since the claim
        head = repo.head_delivery(sub_id) or _enqueue(ctx, repo, sub, now)
        if head is None or head.next_at is None or head.next_at > now:
            uow.commit()
            return None
        event = _event(repo, head.seq)
        body = json.dumps(event.payload(), separators=(",", ":"), sort_keys=True).encode()
        sealed = repo.get_webhook_secrets(sub_id).valid(now)
        secrets = [dispatcher.box.open(s) for s in sealed]
        uow.commit()
    headers = signed_headers(secrets, message_id(sub_id, head.seq), now, body)
    return Job(head, sub.url, headers, body)


def _enqueue(ctx: Context, repo: Repository, sub: Subscription, now: datetime) -> Delivery | None:
    """Turn the next event the subscription wants into its pending delivery, moving the
    cursor past the events it does not want."""
    cursor = repo.webhook_cursor(sub.id)
    for _ in range(MAX_SCANS):
        page = repo.audit_after(cursor, SCAN)
        for audit in page:
            cursor = audit.seq
            event = event_of(audit)
            if event is not None and sub.wants(event):
                repo.set_webhook_cursor(sub.id, cursor)
                delivery = Delivery(
                    ctx.new_id(), sub.id, audit.seq, DeliveryStatus.PENDING, 0, now, now, now
                )
                repo.add_delivery(delivery)
                return delivery
        repo.set_webhook_cursor(sub.id, cursor)
        if len(page) < SCAN:
            return None
    return None


def _event(repo: Repository, seq: int) -> RegistryEvent:
    audit = repo.audit_after(seq - 1, 1)[0]
    digest = None
    if audit.model_id is not None and audit.version is not None:
        try:
            digest = repo.get_version(audit.model_id, audit.version).manifest_digest
        except NotFound:
            digest = None  # the version (or its model) is gone: the event still goes out
    event = event_of(audit, digest)
    assert event is not None  # only published actions become deliveries
    return event


def _record(
    ctx: Context, dispatcher: Dispatcher, delivery: Delivery, result: AttemptResult, now: datetime
) -> None:
    with ctx.uow(write=True) as uow:
        try:
            current = uow.repo.get_delivery(delivery.id)
        except NotFound:
            return  # the subscription was deleted while the request was in flight
        number = current.attempts + 1
        uow.repo.add_attempt(Attempt(current.id, number, now, result))
        step = after_attempt(
            result,
            attempts=number,
            first_at=current.window_from,
            now=now,
            window=dispatcher.window,
            jitter=dispatcher.jitter,
        )
        done = replace(
            current,
            status=step.status,
            attempts=number,
            next_at=step.next_at,
            last_status=result.status,
            last_error=result.error,
        )
        uow.repo.update_delivery(done)
        uow.commit()
    outcome = "failed" if step.status is DeliveryStatus.PENDING else step.status.value
    dispatcher.observe(outcome)


def queue_state(ctx: Context) -> tuple[int, datetime | None]:
    """Pending deliveries and when the oldest of them was queued (for the metrics)."""
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "dispatch.queue_state")
        return uow.repo.webhook_queue()
