"""The webhook part of the fake repository: subscriptions, leases, deliveries, attempts.

``tests/fakes.py`` attaches these methods to FakeRepository; the state lives inside the
RegistryState (``state.__dict__["webhooks"]``) so a unit of work copies it with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modelyard.domain.webhooks import (
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryStatus,
    SealedSecrets,
    Subscription,
    validate_url,
)
from modelyard.errors import AlreadyExists, NotFound


@dataclass
class WebhookState:
    subs: dict[str, Subscription] = field(default_factory=dict)
    secrets: dict[str, SealedSecrets] = field(default_factory=dict)
    cursors: dict[str, int] = field(default_factory=dict)
    leases: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    attempts: dict[str, list[Attempt]] = field(default_factory=dict)


class FakeWebhookRepository:
    state: Any  # the RegistryState of tests.fakes

    @property
    def _wh(self) -> WebhookState:
        found: WebhookState = self.state.__dict__.setdefault("webhooks", WebhookState())
        return found

    def add_webhook(self, sub: Subscription, secrets: SealedSecrets) -> None:
        if sub.id in self._wh.subs:
            raise AlreadyExists(f"webhook {sub.id!r} already exists")
        self._wh.subs[sub.id] = sub
        self._wh.secrets[sub.id] = secrets
        self._wh.cursors[sub.id] = max((e.seq for e in self.state.audit), default=0)

    def get_webhook(self, sub_id: str) -> Subscription:
        if sub_id not in self._wh.subs:
            raise NotFound(f"webhook {sub_id!r} does not exist")
        return self._wh.subs[sub_id]

    def list_webhooks(self) -> list[Subscription]:
        return sorted(self._wh.subs.values(), key=lambda s: (s.created_at, s.id))

    def update_webhook(self, sub: Subscription) -> None:
        self.get_webhook(sub.id)
        self._wh.subs[sub.id] = sub

    def delete_webhook(self, sub_id: str) -> None:
        self.get_webhook(sub_id)
        for d in [d for d in self._wh.deliveries.values() if d.subscription_id == sub_id]:
            del self._wh.deliveries[d.id]
            self._wh.attempts.pop(d.id, None)
        for table in (self._wh.subs, self._wh.secrets, self._wh.cursors, self._wh.leases):
            table.pop(sub_id, None)

    def get_webhook_secrets(self, sub_id: str) -> SealedSecrets:
        self.get_webhook(sub_id)
        return self._wh.secrets[sub_id]

    def set_webhook_secrets(self, sub_id: str, secrets: SealedSecrets) -> None:
        self.get_webhook(sub_id)
        self._wh.secrets[sub_id] = secrets

    def claim_webhooks(self, owner: str, now: datetime, until: datetime) -> list[str]:
        free = [
            s.id
            for s in self._wh.subs.values()
            if s.enabled and (s.id not in self._wh.leases or self._wh.leases[s.id][1] < now)
        ]
        for sub_id in free:
            self._wh.leases[sub_id] = (owner, until)
        return sorted(free)

    def release_webhook(self, sub_id: str, owner: str) -> None:
        if self._wh.leases.get(sub_id, ("", None))[0] == owner:
            del self._wh.leases[sub_id]

    def webhook_cursor(self, sub_id: str) -> int:
        self.get_webhook(sub_id)
        return self._wh.cursors[sub_id]

    def set_webhook_cursor(self, sub_id: str, seq: int) -> None:
        self._wh.cursors[sub_id] = seq

    def head_delivery(self, sub_id: str) -> Delivery | None:
        pending = [
            d
            for d in self._wh.deliveries.values()
            if d.subscription_id == sub_id and d.status is DeliveryStatus.PENDING
        ]
        return min(pending, key=lambda d: (d.seq, d.created_at), default=None)

    def add_delivery(self, delivery: Delivery) -> None:
        self._wh.deliveries[delivery.id] = delivery

    def get_delivery(self, delivery_id: str) -> Delivery:
        if delivery_id not in self._wh.deliveries:
            raise NotFound(f"delivery {delivery_id!r} does not exist")
        return self._wh.deliveries[delivery_id]

    def update_delivery(self, delivery: Delivery) -> None:
        self._wh.deliveries[delivery.id] = delivery

    def list_deliveries(self, sub_id: str, limit: int) -> list[Delivery]:
        self.get_webhook(sub_id)
        mine = [d for d in self._wh.deliveries.values() if d.subscription_id == sub_id]
        return sorted(mine, key=lambda d: (d.seq, d.created_at), reverse=True)[:limit]

    def add_attempt(self, attempt: Attempt) -> None:
        self._wh.attempts.setdefault(attempt.delivery_id, []).append(attempt)

    def list_attempts(self, delivery_id: str) -> list[Attempt]:
        return sorted(self._wh.attempts.get(delivery_id, []), key=lambda a: a.number)

    def webhook_queue(self) -> tuple[int, datetime | None]:
        return _queue(self._wh)


def _queue(state: WebhookState) -> tuple[int, datetime | None]:
    pending = [d for d in state.deliveries.values() if d.status is DeliveryStatus.PENDING]
    return len(pending), min((d.created_at for d in pending), default=None)


class PlainBox:
    """A SecretBox fake: reversible, and visibly not the secret itself."""

    def seal(self, secret: str) -> str:
        return "sealed:" + secret[::-1]

    def open(self, sealed: str) -> str:
        return sealed.removeprefix("sealed:")[::-1]


@dataclass
class Sent:
    url: str
    headers: dict[str, str]
    body: bytes


class ScriptedSender:
    """A WebhookSender fake: answers from a script (then 204), records what was sent."""

    def __init__(self, script: list[AttemptResult] | None = None) -> None:
        self.script = list(script or [])
        self.sent: list[Sent] = []

    def check_url(self, url: str) -> None:
        validate_url(url, allow_http=False)

    def send(self, url: str, headers: dict[str, str], body: bytes) -> AttemptResult:
        self.sent.append(Sent(url, headers, body))
        return self.script.pop(0) if self.script else AttemptResult(204, 1, "", "")
