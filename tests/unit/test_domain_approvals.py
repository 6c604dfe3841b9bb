"""The pure rules of protected aliases and approvals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.cli.approvals import parse_duration
from modelyard.domain.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    Change,
    ChangeKind,
    ModelSettings,
    must_request,
    parse_status,
    settings_update,
)
from modelyard.domain.stages import Stage
from modelyard.errors import InvalidArgument

PROD = Change(ChangeKind.TRANSITION, 1, Stage.PRODUCTION)
STAGING = Change(ChangeKind.TRANSITION, 1, Stage.STAGING)
CHAMPION = Change(ChangeKind.ALIAS_SET, 1, alias="champion")
OTHER = Change(ChangeKind.ALIAS_DELETE, 1, alias="other")
GOVERNED = ModelSettings(frozenset({"champion"}), require_approval_production=True)
FOUR_EYES = ModelSettings(frozenset({"champion"}), True, four_eyes=True)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("settings", "change", "may", "expected"),
    [
        (ModelSettings(), PROD, False, False),  # nothing governed: the caller's right decides
        (GOVERNED, PROD, False, True),
        (GOVERNED, PROD, True, False),
        (GOVERNED, STAGING, False, False),
        (GOVERNED, CHAMPION, False, True),
        (GOVERNED, CHAMPION, True, False),
        (GOVERNED, OTHER, False, False),
        (FOUR_EYES, PROD, True, True),
        (FOUR_EYES, CHAMPION, True, True),
        (FOUR_EYES, OTHER, True, False),
        (ModelSettings(four_eyes=True), PROD, True, False),
    ],
)
def test_must_request_follows_governance_and_right(
    settings: ModelSettings, change: Change, may: bool, expected: bool
) -> None:
    assert must_request(settings, change, may) is expected


def test_change_targets_name_stage_or_alias() -> None:
    assert (PROD.target, CHAMPION.target) == ("stage:Production", "alias:champion")


def test_settings_update_keeps_fields_left_out() -> None:
    after = settings_update(four_eyes=True).apply(GOVERNED)
    assert after == ModelSettings(frozenset({"champion"}), True, True)


def test_settings_update_both_protect_and_unprotect_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        settings_update(protect=["a"], unprotect=["a"])


def test_settings_update_over_the_alias_limit_is_refused() -> None:
    update = settings_update(protect=[f"a{i}" for i in range(65)])
    with pytest.raises(InvalidArgument):
        update.apply(ModelSettings())


def test_pending_request_past_expiry_shows_as_expired() -> None:
    r = ApprovalRequest("1", "m", "Fraud", PROD, "eve", T0, T0 + timedelta(days=7), "b")
    assert r.shown_at(T0 + timedelta(days=7)).status is ApprovalStatus.EXPIRED


def test_decided_request_past_expiry_keeps_its_status() -> None:
    r = ApprovalRequest(
        "1", "m", "Fraud", PROD, "eve", T0, T0 + timedelta(days=1), "b", ApprovalStatus.APPROVED
    )
    assert r.shown_at(T0 + timedelta(days=9)).status is ApprovalStatus.APPROVED


@given(st.text(max_size=20))
def test_parse_status_accepts_only_known_statuses(value: str) -> None:
    try:
        assert parse_status(value).value == value.lower()
    except InvalidArgument:
        assert value.lower() not in {s.value for s in ApprovalStatus}


@given(st.integers(0, 999_999), st.sampled_from(["", "s", "m", "h", "d"]))
def test_parse_duration_reads_number_and_unit(n: int, unit: str) -> None:
    factor = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    assert parse_duration(f"{n}{unit}") == n * factor


@given(st.text(max_size=12))
def test_parse_duration_accepts_only_ascii_digits_and_a_unit(value: str) -> None:
    try:
        parse_duration(value)
    except InvalidArgument:
        return
    number = value.strip().rstrip("smhd")
    assert number.isascii() and number.isdigit()


@pytest.mark.parametrize("seconds", [59, 365 * 86400 + 1, -366321766008770, 10**30, True, 1.5])
def test_settings_update_with_expiry_out_of_range_is_invalid(seconds: object) -> None:
    with pytest.raises(InvalidArgument, match="between 1 minute and 365 days"):
        settings_update(request_ttl_seconds=seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize("seconds", [60, 7 * 86400, 365 * 86400])
def test_settings_update_with_expiry_in_range_keeps_it(seconds: int) -> None:
    update = settings_update(request_ttl_seconds=seconds)

    assert update.request_ttl is not None and update.request_ttl.total_seconds() == seconds
