"""The HTTP transport's webhook calls. A mixin of
:class:`~modelyard.client.http.HttpTransport`; it uses the transport's request helpers,
declared here for the type checker.

Creating a webhook and rotating its secret are sent once, without an Idempotency-Key: the
server keeps no answer to replay (it would hold the secret), so a retry would make a second
subscription or secret.
"""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from modelyard.client.exchange import decode, request_body
from modelyard.client.http_parts import TransportPart
from modelyard.domain.webhooks import Attempt, AttemptResult, Delivery, Subscription
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
    attempt_to_domain,
    delivery_to_domain,
    ping_to_domain,
    webhook_to_domain,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
JSON = {"Content-Type": "application/json"}
BASE = "/api/v1/webhooks"


def _id(value: str) -> str:
    return quote(str(value), safe="")


class WebhookCalls(TransportPart):
    def _once(self, url: str, body: BaseModel) -> httpx.Response:
        content = body.model_dump_json()

        def build() -> httpx.Request:
            return self.http.build_request("POST", url, content=content, headers=JSON)

        return self._send(build, safe=False)

    def create_webhook(
        self,
        url: str,
        events: list[str],
        model: str | None,
        description: str,
        secret: str | None,
    ) -> tuple[Subscription, str | None]:
        body = request_body(
            lambda: WebhookIn(
                url=url, events=events, model=model, description=description, secret=secret
            )
        )
        response = self._once(BASE, body)
        return decode(
            WebhookCreated, response, lambda out: (webhook_to_domain(out.webhook), out.secret)
        )

    def list_webhooks(self) -> list[Subscription]:
        return self._get(
            WebhookList, BASE, lambda out: [webhook_to_domain(w) for w in out.webhooks]
        )

    def get_webhook(self, webhook_id: str) -> Subscription:
        return self._get(WebhookOut, f"{BASE}/{_id(webhook_id)}", webhook_to_domain)

    def update_webhook(
        self,
        webhook_id: str,
        url: str | None,
        events: list[str] | None,
        model: str | None,
        all_models: bool,
        enabled: bool | None,
        description: str | None,
    ) -> Subscription:
        body = request_body(
            lambda: WebhookPatch(
                url=url,
                events=events,
                model=model,
                all_models=all_models,
                enabled=enabled,
                description=description,
            )
        )
        url_ = f"{BASE}/{_id(webhook_id)}"
        return self._call(WebhookOut, webhook_to_domain, "PATCH", url_, body)

    def delete_webhook(self, webhook_id: str) -> None:
        self._write("DELETE", f"{BASE}/{_id(webhook_id)}", None)

    def rotate_webhook_secret(
        self, webhook_id: str, secret: str | None, grace_seconds: int
    ) -> str | None:
        body = request_body(lambda: RotateIn(secret=secret, grace_seconds=grace_seconds))
        response = self._once(f"{BASE}/{_id(webhook_id)}/rotate-secret", body)
        return decode(RotatedOut, response, lambda out: out.secret)

    def ping_webhook(self, webhook_id: str) -> AttemptResult:
        response = self._write("POST", f"{BASE}/{_id(webhook_id)}/test", None)
        return decode(PingOut, response, ping_to_domain)

    def webhook_deliveries(self, webhook_id: str, limit: int) -> list[Delivery]:
        url = f"{BASE}/{_id(webhook_id)}/deliveries"
        return self._get(
            DeliveryList,
            url,
            lambda out: [delivery_to_domain(d) for d in out.deliveries],
            limit=limit,
        )

    def delivery_attempts(self, delivery_id: str) -> list[Attempt]:
        url = f"{BASE}/deliveries/{_id(delivery_id)}/attempts"
        return self._get(
            AttemptList, url, lambda out: [attempt_to_domain(delivery_id, a) for a in out.attempts]
        )

    def redeliver(self, delivery_id: str) -> Delivery:
        response = self._write("POST", f"{BASE}/deliveries/{_id(delivery_id)}/redeliver", None)
        return decode(DeliveryOut, response, delivery_to_domain)
