"""Stage names and the audit hash chain."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.domain.audit import GENESIS, event_hash
from modelyard.domain.stages import Stage, is_stage_name, parse_stage
from modelyard.errors import InvalidArgument

FUZZ = settings(database=None, deadline=None)
AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "stage"),
    [
        ("Production", Stage.PRODUCTION),
        ("production", Stage.PRODUCTION),
        ("STAGING", Stage.STAGING),
        ("none", Stage.NONE),
        ("Archived", Stage.ARCHIVED),
        (Stage.STAGING, Stage.STAGING),
    ],
)
def test_parse_stage_known_name_ignores_case(value: object, stage: Stage) -> None:
    assert parse_stage(value) is stage


@pytest.mark.parametrize("value", ["Prod", "", " Production", "Production\n", None, 1, "latest"])
def test_parse_stage_unknown_raises_invalid_argument(value: object) -> None:
    with pytest.raises(InvalidArgument):
        parse_stage(value)


@FUZZ
@given(st.text())
def test_parse_stage_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    try:
        stage = parse_stage(text)
    except InvalidArgument:
        assert not is_stage_name(text)
        return
    assert stage.value.casefold() == text.casefold()


def _hash(**changes: object) -> str:
    fields: dict[str, object] = {
        "prev_hash": GENESIS,
        "seq": 1,
        "at": AT,
        "actor": "alice",
        "action": "model.create",
        "target": {"model": "Fraud", "version": None},
        "before": None,
        "after": {"tags": {}},
    }
    fields.update(changes)
    return event_hash(**fields)  # type: ignore[arg-type]


# The event above in its documented canonical form: sorted keys, no spaces, ISO time.
# Stored chains are verified against this form, so it may never change silently.
CANONICAL = (
    '{"action":"model.create","actor":"alice","after":{"tags":{}},'
    '"at":"2026-01-01T00:00:00+00:00","before":null,"prev":"' + GENESIS + '",'
    '"seq":1,"target":{"model":"Fraud","version":null}}'
)


def test_event_hash_is_sha256_of_canonical_json() -> None:
    assert _hash() == hashlib.sha256(CANONICAL.encode()).hexdigest()


def test_event_hash_ignores_key_order_of_before_and_after() -> None:
    one = _hash(before={"a": 1, "b": 2}, after={"x": "1", "y": "2"})
    assert _hash(before={"b": 2, "a": 1}, after={"y": "2", "x": "1"}) == one


@pytest.mark.parametrize(
    "change",
    [
        {"prev_hash": "1" * 64},
        {"seq": 2},
        {"at": datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)},
        {"actor": "mallory"},
        {"action": "model.delete"},
        {"target": {"model": "Other", "version": None}},
        {"before": {"x": 1}},
        {"after": {"tags": {"a": "b"}}},
    ],
)
def test_event_hash_any_changed_field_changes_hash(change: dict[str, object]) -> None:
    assert _hash(**change) != _hash()
