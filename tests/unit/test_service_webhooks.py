"""Webhook use cases and the dispatcher over fakes: order, retries, dead-letter, secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from modelyard.domain.entities import ModelVersion
from modelyard.domain.identity import Principal, PrincipalKind
from modelyard.domain.webhooks import AttemptResult, DeliveryStatus
from modelyard.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from modelyard.service import stages, webhooks
from modelyard.service.context import Context
from modelyard.service.dispatch import Dispatcher, deliver_due
from modelyard.service.webhooks import WebhookChange, WebhookSpec
from tests.fake_webhooks import PlainBox, ScriptedSender
from tests.fakes import START, FakeUnitOfWorkFactory

BOB = Principal("bob", PrincipalKind.USER, user_id="b" * 32, token_id="t" * 32)
URL = "https://ci.example/hook"
FAIL = AttemptResult(500, 3, "boom", "")
T0 = START + timedelta(days=1)


def dispatcher(sender: ScriptedSender, window: timedelta = timedelta(hours=24)) -> Dispatcher:
    return Dispatcher(PlainBox(), sender, "replica-1", window=window, jitter=lambda: 1.0)


def subscribe(ctx: Context, events: str = "stage.transitioned,version.created") -> str:
    created = webhooks.create_webhook(ctx, PlainBox(), ScriptedSender(), WebhookSpec(URL, events))
    return created.subscription.id


def seqs(sender: ScriptedSender) -> list[int]:
    return [json.loads(s.body)["seq"] for s in sender.sent]


def test_create_webhook_returns_a_generated_secret_once_and_stores_it_sealed(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    created = webhooks.create_webhook(ctx, PlainBox(), ScriptedSender(), WebhookSpec(URL, "*"))
    assert created.secret is not None and created.secret.startswith("whsec_")
    sealed = store.repo.get_webhook_secrets(created.subscription.id).current
    assert created.secret not in sealed
    assert created.secret not in repr(webhooks.get_webhook(ctx, created.subscription.id))


def test_create_webhook_does_not_echo_a_secret_the_caller_brought(ctx: Context) -> None:
    spec = WebhookSpec(URL, "*", secret="whsec_" + "A" * 32)
    assert webhooks.create_webhook(ctx, PlainBox(), ScriptedSender(), spec).secret is None


def test_create_webhook_audits_without_secret_or_query(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    spec = WebhookSpec(URL + "?token=abc", "*", secret="whsec_" + "B" * 32)
    webhooks.create_webhook(ctx, PlainBox(), ScriptedSender(), spec)
    last = store.repo.list_audit(None, None, 0, 100)[-1]
    assert last.action == "webhook.create" and "abc" not in json.dumps(last.after)
    assert "B" * 32 not in json.dumps(last.after)


@pytest.mark.parametrize(
    "spec",
    [
        WebhookSpec("http://ci.example/h", "*"),
        WebhookSpec(URL, "no.such.type"),
        WebhookSpec(URL, "*", secret="not base64 !"),
        WebhookSpec(URL, "*", description="x" * 2000),
    ],
)
def test_create_webhook_refuses_bad_input_and_stores_nothing(
    ctx: Context, spec: WebhookSpec
) -> None:
    with pytest.raises(InvalidArgument):
        webhooks.create_webhook(ctx, PlainBox(), ScriptedSender(), spec)
    assert webhooks.list_webhooks(ctx) == []


def test_webhooks_without_admin_are_denied(ctx: Context) -> None:
    with pytest.raises(PermissionDenied):
        webhooks.create_webhook(
            ctx.as_principal(BOB), PlainBox(), ScriptedSender(), WebhookSpec(URL, "*")
        )


def test_deliver_due_sends_wanted_events_in_order_signed(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    sub_id = subscribe(ctx)
    register("Fraud")
    stages.transition_stage(ctx, "Fraud", 1, "Staging")
    stages.set_alias(ctx, "Fraud", "champion", "1")  # not subscribed
    sender = ScriptedSender()
    assert deliver_due(ctx, dispatcher(sender), T0) == 2
    kinds = [json.loads(s.body)["type"] for s in sender.sent]
    assert kinds == ["version.created", "stage.transitioned"]
    assert seqs(sender) == sorted(seqs(sender))
    assert sender.sent[0].headers["webhook-id"] == f"msg_{sub_id}_{seqs(sender)[0]}"
    assert sender.sent[1].headers["webhook-signature"].startswith("v1,")


def test_deliver_due_holds_later_events_while_the_first_is_retried(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    sub_id = subscribe(ctx)
    register("Fraud")
    register("Fraud")
    sender = ScriptedSender([FAIL])
    assert deliver_due(ctx, dispatcher(sender), T0) == 1
    assert deliver_due(ctx, dispatcher(sender), T0 + timedelta(seconds=1)) == 0
    assert deliver_due(ctx, dispatcher(sender), T0 + timedelta(minutes=1)) == 2
    first, again, second = seqs(sender)
    assert first == again < second
    log = webhooks.list_deliveries(ctx, sub_id)
    assert [d.status for d in log] == [DeliveryStatus.SUCCEEDED] * 2
    oldest = log[-1]
    assert [a.result.status for a in webhooks.list_attempts(ctx, oldest.id)] == [500, 204]


def test_deliver_due_dead_letters_after_the_window_and_moves_on(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    sub_id = subscribe(ctx)
    register("Fraud")
    register("Fraud")
    sender = ScriptedSender([FAIL, FAIL])
    short = dispatcher(sender, window=timedelta(seconds=6))
    deliver_due(ctx, short, T0)
    deliver_due(ctx, short, T0 + timedelta(seconds=5))
    deliver_due(ctx, short, T0 + timedelta(seconds=6))
    log = webhooks.list_deliveries(ctx, sub_id)
    assert [d.status for d in log] == [DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD]


def test_redeliver_sends_a_dead_delivery_again(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    sub_id = subscribe(ctx)
    register("Fraud")
    sender = ScriptedSender([FAIL])
    deliver_due(ctx, dispatcher(sender, window=timedelta(seconds=1)), T0)
    dead = webhooks.list_deliveries(ctx, sub_id)[0]
    assert dead.status is DeliveryStatus.DEAD
    webhooks.redeliver(ctx, dead.id)
    deliver_due(ctx, dispatcher(sender), ctx.clock() + timedelta(seconds=1))
    assert webhooks.get_webhook(ctx, sub_id).enabled
    assert webhooks.list_deliveries(ctx, sub_id)[0].status is DeliveryStatus.SUCCEEDED
    assert len(webhooks.list_attempts(ctx, dead.id)) == 2


def test_redeliver_of_a_pending_delivery_conflicts(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    sub_id = subscribe(ctx)
    register("Fraud")
    deliver_due(ctx, dispatcher(ScriptedSender([FAIL])), T0)
    with pytest.raises(Conflict):
        webhooks.redeliver(ctx, webhooks.list_deliveries(ctx, sub_id)[0].id)


def test_deliver_due_skips_disabled_subscriptions(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    sub_id = subscribe(ctx)
    webhooks.update_webhook(ctx, ScriptedSender(), sub_id, WebhookChange(enabled=False))
    register("Fraud")
    assert deliver_due(ctx, dispatcher(ScriptedSender()), T0) == 0


def test_deliver_due_filters_by_model(ctx: Context, register: Callable[..., ModelVersion]) -> None:
    sub_id = subscribe(ctx)
    webhooks.update_webhook(ctx, ScriptedSender(), sub_id, WebhookChange(model="Churn"))
    register("Fraud")
    register("Churn")
    sender = ScriptedSender()
    deliver_due(ctx, dispatcher(sender), T0)
    assert [json.loads(s.body)["model"] for s in sender.sent] == ["Churn"]


def test_rotate_secret_signs_with_both_during_grace(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    subscribe(ctx)
    sub_id = webhooks.list_webhooks(ctx)[0].id
    fresh = webhooks.rotate_secret(ctx, PlainBox(), sub_id, grace=timedelta(days=2))
    assert fresh is not None
    register("Fraud")
    sender = ScriptedSender()
    deliver_due(ctx, dispatcher(sender), ctx.clock())
    assert len(sender.sent[0].headers["webhook-signature"].split(" ")) == 2


def test_delete_webhook_removes_it_and_its_log(
    ctx: Context, register: Callable[..., ModelVersion]
) -> None:
    sub_id = subscribe(ctx)
    register("Fraud")
    deliver_due(ctx, dispatcher(ScriptedSender()), T0)
    webhooks.delete_webhook(ctx, sub_id)
    with pytest.raises(NotFound):
        webhooks.list_deliveries(ctx, sub_id)


def test_ping_webhook_sends_a_signed_test_event(ctx: Context) -> None:
    sub_id = subscribe(ctx)
    sender = ScriptedSender()
    assert webhooks.ping_webhook(ctx, PlainBox(), sender, sub_id).ok
    assert json.loads(sender.sent[0].body)["type"] == "webhook.test"
