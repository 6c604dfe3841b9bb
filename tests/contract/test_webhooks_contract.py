"""Webhook delivery on every Repository backend, to a real receiver on 127.0.0.1: a
receiver that refuses, fails, hangs and then recovers gets every event, in order, with
each attempt logged; pending deliveries survive a restart; two dispatchers on one
PostgreSQL database never send one attempt twice. The clock is injected, never waited on."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from standardwebhooks import Webhook

from modelyard.adapters.http_sender import HttpSender
from modelyard.adapters.secrets import FernetSecretBox
from modelyard.domain.webhooks import DeliveryStatus
from modelyard.service import versions, webhooks
from modelyard.service.context import Context
from modelyard.service.dispatch import Dispatcher, deliver_due
from modelyard.service.ports import UnitOfWorkFactory
from modelyard.service.webhooks import WebhookChange, WebhookSpec
from tests.contract.conftest import migrated_url, sql_factory
from tests.fakes import FixedClock, MemoryBlobStore, new_version
from tests.webhook_receiver import Received, Reply, closed_port_url, receiver

KEY = Fernet.generate_key().decode()
T0 = datetime(2026, 6, 1, tzinfo=UTC)
STEP = timedelta(hours=2)  # past the longest backoff: each call finds the head due


def uuid_ids() -> str:
    return uuid.uuid4().hex


def context(uow: UnitOfWorkFactory, blobs: MemoryBlobStore) -> Context:
    return Context(uow=uow, blobs=blobs, clock=FixedClock(T0), new_id=uuid_ids, actor="ops")


@pytest.fixture
def blobs() -> MemoryBlobStore:
    return MemoryBlobStore()


@pytest.fixture
def ctx(uow_factory: UnitOfWorkFactory, blobs: MemoryBlobStore) -> Context:
    return context(uow_factory, blobs)


def live_sender(read_timeout: float = 5.0) -> HttpSender:
    return HttpSender(allow_hosts=["127.0.0.1"], allow_http=True, read_timeout=read_timeout)


def dispatcher(owner: str = "r1", read_timeout: float = 5.0) -> Dispatcher:
    return Dispatcher(FernetSecretBox(KEY), live_sender(read_timeout), owner, jitter=lambda: 1.0)


def subscribe(ctx: Context, url: str) -> tuple[str, str]:
    spec = WebhookSpec(url, "version.created")
    created = webhooks.create_webhook(ctx, FernetSecretBox(KEY), live_sender(), spec)
    assert created.secret is not None
    return created.subscription.id, created.secret


def add_versions(ctx: Context, blobs: MemoryBlobStore, count: int) -> None:
    for n in range(count):
        versions.create_version(ctx, "Fraud", new_version(blobs, f"w{n}".encode()))


def verify(secret: str, got: Received) -> None:
    """Check the signature with the independent implementation (its clock check is skipped:
    the dispatcher's clock is injected, far from the wall clock)."""
    stamp = datetime.fromtimestamp(int(got.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(got.headers["webhook-id"], stamp, got.body.decode())
    assert expected in got.headers["webhook-signature"].split(" ")


def test_deliveries_survive_refusal_errors_and_timeouts_in_order(
    ctx: Context, blobs: MemoryBlobStore
) -> None:
    sub_id, secret = subscribe(ctx, closed_port_url())
    add_versions(ctx, blobs, 3)
    d = dispatcher(read_timeout=0.3)
    assert deliver_due(ctx, d, T0) == 1  # refused
    with receiver([Reply(500, body=b"down"), Reply(hang=True)]) as box:
        webhooks.update_webhook(ctx, d.sender, sub_id, WebhookChange(url=box.url))
        for step in range(1, 5):
            deliver_due(ctx, d, T0 + step * STEP)
    delivered = [r for r in box.received if r is not box.received[1]]
    seqs = [json.loads(r.body)["seq"] for r in delivered]
    assert len(seqs) == 4 and seqs[0] == seqs[1] and seqs[1:] == sorted(set(seqs[1:]))
    for got in box.received:
        verify(secret, got)
    log = sorted(webhooks.list_deliveries(ctx, sub_id), key=lambda x: x.seq)
    assert [x.status for x in log] == [DeliveryStatus.SUCCEEDED] * 3
    tries = webhooks.list_attempts(ctx, log[0].id)
    assert [(a.result.status, a.result.error) for a in tries] == [
        (None, "connection failed"),
        (500, ""),
        (None, "timed out"),
        (204, ""),
    ]
    assert tries[1].result.excerpt == "down"


def test_pending_deliveries_are_sent_after_a_restart(
    request: pytest.FixtureRequest, tmp_path: Path, blobs: MemoryBlobStore
) -> None:
    url = migrated_url(request, "sqlite", tmp_path)
    with sql_factory(url) as first:
        ctx = context(first, blobs)
        sub_id, _ = subscribe(ctx, closed_port_url())
        add_versions(ctx, blobs, 2)
        deliver_due(ctx, dispatcher(), T0)
    with receiver() as box, sql_factory(url) as second:
        again = context(second, blobs)
        webhooks.update_webhook(again, live_sender(), sub_id, WebhookChange(url=box.url))
        deliver_due(again, dispatcher("after-restart"), T0 + STEP)
    assert len(box.received) == 2


@pytest.mark.postgres
def test_two_dispatchers_on_postgres_send_each_attempt_once(
    postgres_url: str, blobs: MemoryBlobStore
) -> None:
    with receiver() as box, sql_factory(postgres_url) as one, sql_factory(postgres_url) as two:
        setup = context(one, blobs)
        for _ in range(3):
            subscribe(setup, box.url)
        add_versions(setup, blobs, 4)
        replicas = [(context(one, blobs), "r1"), (context(two, blobs), "r2")]
        for step in range(6):
            _race(replicas, T0 + step * STEP)
    counts = Counter(r.headers["webhook-id"] for r in box.received)
    assert len(counts) == 12 and set(counts.values()) == {1}


def _race(replicas: list[tuple[Context, str]], now: datetime) -> None:
    start = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def run(ctx: Context, owner: str) -> None:
        try:
            start.wait(5)
            deliver_due(ctx, dispatcher(owner), now)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
