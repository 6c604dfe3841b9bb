"""``Client``'s webhook calls (admins): subscriptions, their signing secrets and delivery
log. A part of :class:`~modelyard.client.client.Client`, kept apart so each module stays
small."""

from __future__ import annotations

from collections.abc import Iterable

from modelyard.client.transport import Transport
from modelyard.domain.webhooks import Attempt, AttemptResult, Delivery, Subscription


class WebhookMethods:
    _transport: Transport

    def create_webhook(
        self,
        url: str,
        events: Iterable[str],
        *,
        model: str | None = None,
        description: str = "",
        secret: str | None = None,
    ) -> tuple[Subscription, str | None]:
        """Subscribe ``url`` to event types (``["*"]`` for all), optionally of one model.
        Returns the subscription and the generated signing secret (``whsec_…``), which is
        never shown again; None when ``secret`` was given."""
        return self._transport.create_webhook(url, list(events), model, description, secret)

    def list_webhooks(self) -> list[Subscription]:
        return self._transport.list_webhooks()

    def get_webhook(self, webhook_id: str) -> Subscription:
        return self._transport.get_webhook(webhook_id)

    def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Iterable[str] | None = None,
        model: str | None = None,
        all_models: bool = False,
        enabled: bool | None = None,
        description: str | None = None,
    ) -> Subscription:
        """Change a subscription; arguments left out keep their value."""
        kinds = None if events is None else list(events)
        return self._transport.update_webhook(
            webhook_id, url, kinds, model, all_models, enabled, description
        )

    def disable_webhook(self, webhook_id: str) -> Subscription:
        """Stop deliveries; pending ones wait and resume when it is enabled again."""
        return self.update_webhook(webhook_id, enabled=False)

    def delete_webhook(self, webhook_id: str) -> None:
        self._transport.delete_webhook(webhook_id)

    def rotate_webhook_secret(
        self, webhook_id: str, *, secret: str | None = None, grace_seconds: int = 86400
    ) -> str | None:
        """A new signing secret; the old one keeps signing too for ``grace_seconds``."""
        return self._transport.rotate_webhook_secret(webhook_id, secret, grace_seconds)

    def test_webhook(self, webhook_id: str) -> AttemptResult:
        """Send a signed ``webhook.test`` event now; what the receiver answered."""
        return self._transport.ping_webhook(webhook_id)

    def webhook_deliveries(self, webhook_id: str, limit: int = 100) -> list[Delivery]:
        """The subscription's deliveries, newest first."""
        return self._transport.webhook_deliveries(webhook_id, limit)

    def delivery_attempts(self, delivery_id: str) -> list[Attempt]:
        """Every attempt of a delivery: time, status, latency, first KiB, error."""
        return self._transport.delivery_attempts(delivery_id)

    def redeliver(self, delivery_id: str) -> Delivery:
        """Queue a delivery again, with a fresh retry window."""
        return self._transport.redeliver(delivery_id)
