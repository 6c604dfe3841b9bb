"""Webhook rules: URL shape, Standard Webhooks signatures, Retry-After, backoff, dead-letter."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook, WebhookVerificationError

from modelyard.domain.events import RegistryEvent
from modelyard.domain.webhooks import (
    DEFAULT_WINDOW,
    MAX_DELAY,
    MAX_RETRY_AFTER,
    AttemptResult,
    DeliveryStatus,
    Subscription,
    after_attempt,
    backoff,
    excerpt,
    message_id,
    new_secret,
    parse_retry_after,
    secret_key,
    signed_headers,
    validate_url,
)
from modelyard.errors import InvalidArgument

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SECRET = new_secret(bytes(range(24)))
OTHER = new_secret(bytes(range(100, 124)))
BODY = json.dumps({"seq": 7, "type": "stage.transitioned"}).encode()


def failed(status: int | None = 500, retry_after: timedelta | None = None) -> AttemptResult:
    return AttemptResult(status, 12, "", "" if status else "refused", retry_after)


def event(kind: str = "stage.transitioned", model: str | None = "Fraud") -> RegistryEvent:
    return RegistryEvent(7, kind, NOW, "alice", model, "m", 3, None, None, None)


def subscription(model: str | None = None) -> Subscription:
    return Subscription(
        "s1", "https://ci.example/h", frozenset({"stage.transitioned"}), model, True, "", NOW, "a"
    )


def test_signed_headers_verify_with_standardwebhooks() -> None:
    # standardwebhooks refuses timestamps more than five minutes off its own clock
    headers = signed_headers([SECRET], message_id("s1", 7), datetime.now(UTC), BODY)
    assert Webhook(SECRET).verify(BODY, headers)["seq"] == 7


def test_signed_headers_verify_with_either_secret_during_rotation() -> None:
    at = datetime.now(UTC)
    headers = signed_headers([SECRET, OTHER], "msg_1", at, BODY)
    assert Webhook(SECRET).verify(BODY, headers)["seq"] == 7
    assert Webhook(OTHER).verify(BODY, headers)["seq"] == 7


def test_signed_headers_fail_verification_with_a_wrong_secret() -> None:
    headers = signed_headers([SECRET], "msg_1", datetime.now(UTC), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(OTHER).verify(BODY, headers)


def test_signed_headers_fail_verification_when_the_body_changes() -> None:
    headers = signed_headers([SECRET], "msg_1", datetime.now(UTC), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY + b" ", headers)


def test_signed_headers_without_secrets_are_refused() -> None:
    with pytest.raises(InvalidArgument):
        signed_headers([], "msg_1", NOW, BODY)


@pytest.mark.parametrize("secret", ["", "   ", "whsec_!!!", "whsec_" + "QQ==", "x" * 200])
def test_secret_key_refuses_bad_secrets(secret: str) -> None:
    with pytest.raises(InvalidArgument):
        secret_key(secret)


def test_new_secret_refuses_too_few_bytes() -> None:
    with pytest.raises(InvalidArgument):
        new_secret(b"short")


@pytest.mark.parametrize(
    "url",
    [
        "http://ci.example/h",
        "ftp://ci.example/h",
        "gopher://ci.example/",
        "dict://ci.example/",
        "jar:https://ci.example/x!/",
        "file:///etc/passwd",
        "https://user:pw@ci.example/h",
        "https://@ci.example/h",
        "https:///h",
        " https://ci.example/h",
        "https://ci.example/h\n",
        "https://ci.example:99999/h",
        "https://ci.example/" + "a" * 3000,
        "",
    ],
)
def test_validate_url_refuses_bad_targets(url: str) -> None:
    with pytest.raises(InvalidArgument):
        validate_url(url, allow_http=False)


def test_validate_url_accepts_http_when_allowed() -> None:
    assert validate_url("http://127.0.0.1:8080/h", allow_http=True) == "http://127.0.0.1:8080/h"


def test_wants_filters_by_type_and_model() -> None:
    assert subscription().wants(event())
    assert not subscription().wants(event("version.created"))
    assert not subscription("Other").wants(event())
    assert subscription("Fraud").wants(event())
    assert subscription("fraud").wants(event())
    assert not subscription("Fraud").wants(event(model=None))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        ("Mon, 30 Nov 2026 12:01:00 GMT", timedelta(seconds=60)),
        ("0", None),
        ("Mon, 30 Nov 2026 11:00:00 GMT", None),
        ("soon", None),
        ("-5", None),
        (None, None),
        ("99999999", MAX_RETRY_AFTER),
        ("²", None),  # a digit to str.isdigit, not to int()
        ("١٢٠", None),  # Arabic-Indic digits: not delta-seconds in HTTP
    ],
)
def test_parse_retry_after_reads_seconds_and_dates(
    value: str | None, expected: timedelta | None
) -> None:
    assert parse_retry_after(value, NOW) == expected


@given(st.text(max_size=60))
def test_parse_retry_after_never_raises(value: str) -> None:
    result = parse_retry_after(value, NOW)
    assert result is None or timedelta(0) < result <= MAX_RETRY_AFTER


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_backoff_stays_between_half_and_full_capped_delay(attempts: int, jitter: float) -> None:
    delay = backoff(attempts, lambda: jitter)
    assert timedelta(seconds=2.5) <= delay <= MAX_DELAY


def test_backoff_doubles_per_attempt() -> None:
    assert backoff(3, lambda: 1.0) == 2 * backoff(2, lambda: 1.0)


def test_after_attempt_succeeds_on_2xx() -> None:
    step = after_attempt(
        AttemptResult(204, 5, "", ""),
        attempts=1,
        first_at=NOW,
        now=NOW,
        window=DEFAULT_WINDOW,
        jitter=lambda: 1.0,
    )
    assert step.status is DeliveryStatus.SUCCEEDED


@pytest.mark.parametrize("status", [None, 301, 404, 500])
def test_after_attempt_retries_failures_later(status: int | None) -> None:
    step = after_attempt(
        failed(status), attempts=1, first_at=NOW, now=NOW, window=DEFAULT_WINDOW, jitter=lambda: 1
    )
    assert step.status is DeliveryStatus.PENDING
    assert step.next_at is not None and step.next_at > NOW


def test_after_attempt_honours_retry_after() -> None:
    hint = timedelta(minutes=10)
    step = after_attempt(
        failed(503, hint),
        attempts=1,
        first_at=NOW,
        now=NOW,
        window=DEFAULT_WINDOW,
        jitter=lambda: 0,
    )
    assert step.next_at == NOW + hint


def test_after_attempt_dead_letters_when_the_window_closes() -> None:
    later = NOW + DEFAULT_WINDOW - timedelta(seconds=1)
    step = after_attempt(
        failed(), attempts=30, first_at=NOW, now=later, window=DEFAULT_WINDOW, jitter=lambda: 1
    )
    assert step.status is DeliveryStatus.DEAD


def test_excerpt_keeps_the_first_kib_and_replaces_bad_bytes() -> None:
    text = excerpt(b"\xff" + b"a" * 5000)
    assert text.startswith("\ufffd") and len(text) == 1024
