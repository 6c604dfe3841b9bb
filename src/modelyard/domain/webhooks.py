"""Webhook subscriptions and their delivery rules: pure, no I/O.

A subscription names a target URL, the event types it hears and optionally one model. The
dispatcher walks the audit trail after each subscription's cursor (the trail is the
outbox), so the rules here decide only what to send, how to sign it, whether an attempt
succeeded, and when to try again: exponential backoff with jitter, never sooner than a
receiver's ``Retry-After``, until the retry window closes and the delivery is dead-lettered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

from modelyard.domain import names
from modelyard.domain.events import RegistryEvent
from modelyard.errors import InvalidArgument

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 24
MIN_SECRET_BYTES = 16
MAX_SECRET_BYTES = 64
DEFAULT_WINDOW = timedelta(hours=24)
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=6)  # a receiver may slow us down, not park us for days
EXCERPT_BYTES = 1024
MAX_URL = 2048


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # the retry window closed; kept for the log and for redelivery


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    events: frozenset[str]
    model: str | None  # None: every model
    enabled: bool
    description: str
    created_at: datetime
    created_by: str

    def wants(self, event: RegistryEvent) -> bool:
        """Whether this subscription hears the event."""
        if event.type not in self.events:
            return False
        if self.model is None:
            return True
        # names compare as the registry compares them (case-insensitively, normalised)
        return event.model is not None and names.name_key(event.model) == names.name_key(self.model)


@dataclass(frozen=True)
class AttemptResult:
    """What one HTTP attempt came to; ``status`` is None when no response arrived."""

    status: int | None
    latency_ms: int
    excerpt: str  # the first KiB of the response body, decoded leniently
    error: str  # empty on a response; a short reason otherwise (never a secret)
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Attempt:
    """One row of the delivery log."""

    delivery_id: str
    number: int
    at: datetime
    result: AttemptResult


def validate_url(url: str, *, allow_http: bool) -> str:
    """Check a target URL's shape: https (or http when the operator allows it), a host,
    no credentials. Where it points is checked at connect time, on the resolved address."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or url != url.strip():
        raise InvalidArgument("webhook url must be an absolute https URL")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise InvalidArgument("webhook url must not contain spaces or control characters")
    parts = urlsplit(url)
    allowed = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in allowed:
        hint = "" if allow_http else " (plain http needs --webhook-allow-http)"
        raise InvalidArgument(f"webhook url must use {' or '.join(sorted(allowed))}{hint}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidArgument("webhook url must not carry credentials; use the signing secret")
    if not parts.hostname:
        raise InvalidArgument("webhook url must name a host")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError as exc:
        raise InvalidArgument("webhook url has an invalid port") from exc
    return url


def new_secret(random_bytes: bytes) -> str:
    """A signing secret in the Standard Webhooks spelling, from injected random bytes."""
    if len(random_bytes) < MIN_SECRET_BYTES:
        raise InvalidArgument(f"a signing secret needs at least {MIN_SECRET_BYTES} bytes")
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret: base64, with or without the ``whsec_`` prefix (the
    Standard Webhooks spelling, so receivers' libraries read the same key)."""
    if not isinstance(secret, str) or not secret.strip():
        raise InvalidArgument("a signing secret must not be empty")
    body = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except ValueError as exc:
        raise InvalidArgument("a signing secret must be base64, as whsec_<base64>") from exc
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidArgument(
            f"a signing secret must hold {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes"
        )
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of id.timestamp.body>`` (Standard Webhooks)."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    secrets: Sequence[str], msg_id: str, at: datetime, body: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers; during a rotation's grace period every valid secret
    signs, space-separated, so a receiver holding either one verifies."""
    if not secrets:
        raise InvalidArgument("a delivery needs at least one signing secret")
    timestamp = int(at.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
        "content-type": "application/json",
    }


def message_id(subscription_id: str, seq: int) -> str:
    """Stable per subscription and event, so a receiver deduplicates redeliveries by it."""
    return f"msg_{subscription_id}_{seq}"


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header as a delay: delta-seconds or an HTTP-date; garbage and
    the past read as no hint; a huge hint is capped."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 12:  # '²'.isdigit() is True too
        delay = timedelta(seconds=int(text))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delay = when - now
    if delay <= timedelta(0):
        return None
    return min(delay, MAX_RETRY_AFTER)


def backoff(attempts: int, jitter: Callable[[], float]) -> timedelta:
    """The wait after the ``attempts``-th failure: doubling from FIRST_DELAY, capped at
    MAX_DELAY, scaled by ``jitter()`` in [0.5, 1] so replicas and subscribers that failed
    together do not retry together."""
    if attempts < 1:
        raise InvalidArgument("backoff starts after the first attempt")
    exponent = min(attempts - 1, 20)
    base = min(FIRST_DELAY * (1 << exponent), MAX_DELAY)
    factor = min(max(jitter(), 0.0), 1.0)
    return base * (0.5 + factor / 2)


@dataclass(frozen=True)
class NextStep:
    status: DeliveryStatus
    next_at: datetime | None  # when to try again (PENDING only)


def after_attempt(
    result: AttemptResult,
    *,
    attempts: int,
    first_at: datetime,
    now: datetime,
    window: timedelta,
    jitter: Callable[[], float],
) -> NextStep:
    """What a delivery becomes after an attempt: succeeded, retried later, or dead once
    the next try would fall outside the window that opened with its first attempt."""
    if result.ok:
        return NextStep(DeliveryStatus.SUCCEEDED, None)
    delay = backoff(attempts, jitter)
    if result.retry_after is not None:
        delay = max(delay, result.retry_after)
    next_at = now + delay
    if next_at > first_at + window:
        return NextStep(DeliveryStatus.DEAD, None)
    return NextStep(DeliveryStatus.PENDING, next_at)


def excerpt(body: bytes) -> str:
    """The first KiB of a response, for the log; undecodable bytes are replaced."""
    return body[:EXCERPT_BYTES].decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Delivery:
    """One event on its way to one subscription; its attempts are the delivery log."""

    id: str
    subscription_id: str
    seq: int  # the audit event's sequence: the order deliveries leave in
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_at: datetime | None  # when it is due (PENDING only)
    window_from: datetime  # the retry window opens here (creation, or a redelivery)
    last_status: int | None = None
    last_error: str = ""


@dataclass(frozen=True)
class SealedSecrets:
    """A subscription's signing secrets as stored (encrypted with the server key): the
    current one, and during a rotation's grace period the one it replaced."""

    current: str
    previous: str | None = None
    previous_until: datetime | None = None

    def valid(self, now: datetime) -> list[str]:
        grace = self.previous_until is not None and now < self.previous_until
        return [self.current, self.previous] if grace and self.previous else [self.current]
