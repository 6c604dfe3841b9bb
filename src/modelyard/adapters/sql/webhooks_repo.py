"""SqlRepository's part for webhooks: subscriptions, their leases, deliveries and attempts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select, update

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.domain.webhooks import (
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryStatus,
    SealedSecrets,
    Subscription,
)
from modelyard.errors import NotFound

_s, _d, _a = t.webhook_subscriptions, t.webhook_deliveries, t.webhook_attempts


def _subscription(r: Row[Any]) -> Subscription:
    return Subscription(
        id=r.id,
        url=r.url,
        events=frozenset(r.events),
        model=r.model,
        enabled=bool(r.enabled),
        description=r.description,
        created_at=r.created_at,
        created_by=r.created_by,
    )


def _delivery(r: Row[Any]) -> Delivery:
    return Delivery(
        id=r.id,
        subscription_id=r.subscription_id,
        seq=int(r.seq),
        status=DeliveryStatus(r.status),
        attempts=r.attempts,
        created_at=r.created_at,
        next_at=r.next_at,
        window_from=r.window_from,
        last_status=r.last_status,
        last_error=r.last_error,
    )


def _delivery_values(d: Delivery) -> dict[str, Any]:
    return {
        "status": d.status.value,
        "attempts": d.attempts,
        "next_at": d.next_at,
        "window_from": d.window_from,
        "last_status": d.last_status,
        "last_error": d.last_error,
    }


class WebhookRepositoryMixin(RepoBase):
    def add_webhook(self, sub: Subscription, secrets: SealedSecrets) -> None:
        self.conn.execute(
            insert(_s).values(
                id=sub.id,
                url=sub.url,
                events=sorted(sub.events),
                model=sub.model,
                enabled=sub.enabled,
                description=sub.description,
                secret=secrets.current,
                previous_secret=secrets.previous,
                previous_until=secrets.previous_until,
                cursor=self._audit_top(),
                created_at=sub.created_at,
                created_by=sub.created_by,
            )
        )

    def _audit_top(self) -> int:
        # a new subscription hears what happens from now on, not the whole past
        found = self.conn.execute(
            select(t.audit_events.c.seq).order_by(t.audit_events.c.seq.desc()).limit(1)
        ).scalar()
        return int(found or 0)

    def _sub_row(self, sub_id: str) -> Row[Any]:
        row = self.conn.execute(select(_s).where(_s.c.id == sub_id)).first()
        if row is None:
            raise NotFound(f"webhook {sub_id!r} does not exist")
        return row

    def get_webhook(self, sub_id: str) -> Subscription:
        return _subscription(self._sub_row(sub_id))

    def list_webhooks(self) -> list[Subscription]:
        rows = self.conn.execute(select(_s).order_by(_s.c.created_at, _s.c.id))
        return [_subscription(r) for r in rows]

    def update_webhook(self, sub: Subscription) -> None:
        self._sub_row(sub.id)
        self.conn.execute(
            update(_s)
            .where(_s.c.id == sub.id)
            .values(
                url=sub.url,
                events=sorted(sub.events),
                model=sub.model,
                enabled=sub.enabled,
                description=sub.description,
            )
        )

    def delete_webhook(self, sub_id: str) -> None:
        self._sub_row(sub_id)
        ids = select(_d.c.id).where(_d.c.subscription_id == sub_id).scalar_subquery()
        self.conn.execute(delete(_a).where(_a.c.delivery_id.in_(ids)))
        self.conn.execute(delete(_d).where(_d.c.subscription_id == sub_id))
        self.conn.execute(delete(_s).where(_s.c.id == sub_id))

    def get_webhook_secrets(self, sub_id: str) -> SealedSecrets:
        r = self._sub_row(sub_id)
        return SealedSecrets(r.secret, r.previous_secret, r.previous_until)

    def set_webhook_secrets(self, sub_id: str, secrets: SealedSecrets) -> None:
        self._sub_row(sub_id)
        self.conn.execute(
            update(_s)
            .where(_s.c.id == sub_id)
            .values(
                secret=secrets.current,
                previous_secret=secrets.previous,
                previous_until=secrets.previous_until,
            )
        )

    def claim_webhooks(self, owner: str, now: datetime, until: datetime) -> list[str]:
        free = or_(_s.c.lease_until.is_(None), _s.c.lease_until < now)
        q = select(_s.c.id).where(_s.c.enabled.is_(True), free).order_by(_s.c.id)
        if self.lock_rows:
            q = q.with_for_update(skip_locked=True)
        ids = [str(i) for i in self.conn.execute(q).scalars()]
        if ids:
            # the lease condition again: a row is leased only while still free
            self.conn.execute(
                update(_s)
                .where(_s.c.id.in_(ids), free)
                .values(lease_owner=owner, lease_until=until)
            )
        return ids

    def release_webhook(self, sub_id: str, owner: str) -> None:
        self.conn.execute(
            update(_s)
            .where(_s.c.id == sub_id, _s.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )

    def webhook_cursor(self, sub_id: str) -> int:
        return int(self._sub_row(sub_id).cursor)

    def set_webhook_cursor(self, sub_id: str, seq: int) -> None:
        self.conn.execute(update(_s).where(_s.c.id == sub_id).values(cursor=seq))

    def head_delivery(self, sub_id: str) -> Delivery | None:
        q = (
            select(_d)
            .where(_d.c.subscription_id == sub_id, _d.c.status == DeliveryStatus.PENDING.value)
            .order_by(_d.c.seq, _d.c.created_at)
            .limit(1)
        )
        row = self.conn.execute(q).first()
        return None if row is None else _delivery(row)

    def add_delivery(self, delivery: Delivery) -> None:
        self.conn.execute(
            insert(_d).values(
                id=delivery.id,
                subscription_id=delivery.subscription_id,
                seq=delivery.seq,
                created_at=delivery.created_at,
                **_delivery_values(delivery),
            )
        )

    def get_delivery(self, delivery_id: str) -> Delivery:
        row = self.conn.execute(select(_d).where(_d.c.id == delivery_id)).first()
        if row is None:
            raise NotFound(f"delivery {delivery_id!r} does not exist")
        return _delivery(row)

    def update_delivery(self, delivery: Delivery) -> None:
        self.conn.execute(
            update(_d).where(_d.c.id == delivery.id).values(**_delivery_values(delivery))
        )

    def list_deliveries(self, sub_id: str, limit: int) -> list[Delivery]:
        self._sub_row(sub_id)
        q = (
            select(_d)
            .where(_d.c.subscription_id == sub_id)
            .order_by(_d.c.seq.desc(), _d.c.created_at.desc())
            .limit(limit)
        )
        return [_delivery(r) for r in self.conn.execute(q)]

    def add_attempt(self, attempt: Attempt) -> None:
        r = attempt.result
        self.conn.execute(
            insert(_a).values(
                delivery_id=attempt.delivery_id,
                number=attempt.number,
                at=attempt.at,
                status=r.status,
                latency_ms=r.latency_ms,
                excerpt=r.excerpt,
                error=r.error,
            )
        )

    def list_attempts(self, delivery_id: str) -> list[Attempt]:
        q = select(_a).where(_a.c.delivery_id == delivery_id).order_by(_a.c.number)
        return [
            Attempt(
                r.delivery_id,
                r.number,
                r.at,
                AttemptResult(r.status, r.latency_ms, r.excerpt, r.error),
            )
            for r in self.conn.execute(q)
        ]

    def webhook_queue(self) -> tuple[int, datetime | None]:
        q = select(func.count(), func.min(_d.c.created_at)).where(
            _d.c.status == DeliveryStatus.PENDING.value
        )
        count, oldest = self.conn.execute(q).one()
        if oldest is not None and oldest.tzinfo is None:  # an aggregate skips the column type
            oldest = oldest.replace(tzinfo=UTC)
        return int(count), oldest
