"""Which audit actions are published as events, under which type, with which payload."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.entities import AuditEvent
from modelyard.domain.events import EVENT_TYPES, PUBLISHED, event_of, event_types
from modelyard.errors import InvalidArgument

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def audit(action: str, **fields: object) -> AuditEvent:
    values: dict[str, object] = {
        "model": "Fraud",
        "version": 3,
        "before": {"stage": "Staging"},
        "after": {"stage": "Production"},
    }
    values.update(fields)
    return AuditEvent(
        7,
        AT,
        "alice token:abc",
        action,
        values["model"],  # type: ignore[arg-type]
        values["version"],  # type: ignore[arg-type]
        values["before"],  # type: ignore[arg-type]
        values["after"],  # type: ignore[arg-type]
        "0" * 64,
        "1" * 64,
        "m" * 32,
        2,
    )


def test_transition_is_published_as_stage_transitioned_with_the_digest() -> None:
    event = event_of(audit("version.transition"), "sha256:" + "a" * 64)

    assert event is not None
    assert event.payload() == {
        "seq": 7,
        "type": "stage.transitioned",
        "at": "2026-11-30T12:00:00+00:00",
        "actor": "alice token:abc",
        "model": "Fraud",
        "model_id": "m" * 32,
        "version": 3,
        "before": {"stage": "Staging"},
        "after": {"stage": "Production"},
        "manifest_digest": "sha256:" + "a" * 64,
    }


def test_version_create_carries_its_own_digest() -> None:
    digest = "b" * 64
    event = event_of(audit("version.create", before=None, after={"manifest_digest": digest}))

    assert event is not None and event.manifest_digest == digest


@pytest.mark.parametrize("action", ["run.metrics", "artifact.put", "token.create", "grant.set"])
def test_unpublished_actions_give_no_event(action: str) -> None:
    assert event_of(audit(action)) is None


def test_every_published_type_is_a_known_event_type() -> None:
    assert set(PUBLISHED.values()) == EVENT_TYPES


def test_event_types_star_means_all() -> None:
    assert event_types("*") == EVENT_TYPES


def test_event_types_parses_a_comma_list() -> None:
    assert event_types("stage.transitioned, version.created") == {
        "stage.transitioned",
        "version.created",
    }


@pytest.mark.parametrize("value", ["", " , ", "stage.moved", ["version.created", "nope"], [1]])
def test_event_types_refuses_empty_or_unknown(value: object) -> None:
    with pytest.raises(InvalidArgument):
        event_types(value)  # type: ignore[arg-type]


@given(st.lists(st.sampled_from(sorted(EVENT_TYPES)), min_size=1))
def test_event_types_accepts_any_known_subset(chosen: list[str]) -> None:
    assert event_types(chosen) == set(chosen)
