"""The chain walk and the ``SEQ:HASH`` head grammar, pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.domain.audit import (
    GENESIS,
    ChainBroken,
    ChainWalk,
    Head,
    event_hash,
    parse_head,
)
from modelyard.domain.entities import AuditEvent
from modelyard.errors import InvalidArgument

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _target(e: AuditEvent) -> dict[str, object]:
    return {"model": e.model, "version": e.version}


def chain(n: int) -> list[AuditEvent]:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        at = T0 + timedelta(seconds=seq)
        after = {"n": seq}
        digest = event_hash(prev, seq, at, "alice", "model.create", _target_of(), None, after)
        events.append(
            AuditEvent(seq, at, "alice", "model.create", None, None, None, after, prev, digest)
        )
        prev = digest
    return events


def _target_of() -> dict[str, object]:
    return {"model": None, "version": None}


def walk_all(events: list[AuditEvent]) -> ChainWalk:
    walk = ChainWalk(_target)
    for e in events:
        walk.feed(e)
    return walk


def broken_at(events: list[AuditEvent]) -> int:
    with pytest.raises(ChainBroken) as info:
        walk_all(events)
    return info.value.seq


def test_walk_intact_chain_ends_at_last_event() -> None:
    events = chain(4)
    assert walk_all(events).head == Head(4, events[-1].hash)


def test_walk_changed_event_names_it() -> None:
    events = chain(4)
    events[2] = replace(events[2], after={"n": 99})
    assert broken_at(events) == 3


def test_walk_gap_names_the_missing_event() -> None:
    events = chain(4)
    del events[1]
    assert broken_at(events) == 2


def test_walk_reordered_events_names_the_first_moved() -> None:
    events = chain(4)
    events[1], events[2] = replace(events[2], seq=2), replace(events[1], seq=3)
    assert broken_at(events) == 2


def test_walk_consistent_event_with_wrong_link_says_it_does_not_follow() -> None:
    events = chain(3)
    forged = chain(3)[2]
    rehashed = event_hash(
        "f" * 64, 3, forged.at, "alice", "model.create", _target_of(), None, forged.after
    )
    events[2] = replace(forged, prev_hash="f" * 64, hash=rehashed)
    with pytest.raises(ChainBroken, match="does not follow event 2"):
        walk_all(events)


def test_end_before_recorded_head_names_first_removed_event() -> None:
    walk = walk_all(chain(3))
    with pytest.raises(ChainBroken) as info:
        walk.end(Head(5, "a" * 64))
    assert info.value.seq == 4


def test_end_beyond_recorded_head_names_first_uncovered_event() -> None:
    events = chain(3)
    walk = walk_all(events)
    with pytest.raises(ChainBroken) as info:
        walk.end(Head(2, events[1].hash))
    assert info.value.seq == 3


def test_end_with_altered_head_hash_raises() -> None:
    walk = walk_all(chain(2))
    with pytest.raises(ChainBroken, match="recorded head does not match"):
        walk.end(Head(2, "b" * 64))


def test_expect_head_past_the_end_names_first_cut_event() -> None:
    walk = walk_all(chain(2))
    with pytest.raises(ChainBroken) as info:
        walk.expect(Head(4, "c" * 64), None)
    assert info.value.seq == 3


def test_expect_head_with_other_hash_names_that_event() -> None:
    events = chain(3)
    walk = walk_all(events)
    with pytest.raises(ChainBroken) as info:
        walk.expect(Head(2, "d" * 64), events[1].hash)
    assert info.value.seq == 2


def test_parse_head_round_trips() -> None:
    head = Head(42, "ab" * 32)
    assert parse_head(str(head)) == head


NEAR_HEADS = st.from_regex(r"\s?[0-9]{1,20}:[0-9a-fA-F]{62,66}\s?", fullmatch=True)


@given(st.one_of(st.text(max_size=120), NEAR_HEADS))
def test_parse_head_accepts_only_seq_colon_hash(value: str) -> None:
    try:
        head = parse_head(value)
    except InvalidArgument as exc:
        assert "SEQ:HASH" in exc.message
    else:
        seq, digest = value.strip().split(":")
        assert (head.seq, head.hash) == (int(seq), digest.lower())
        assert len(digest) == 64 and len(seq) <= 18


@pytest.mark.parametrize(
    "value", ["", "42", "42:", ":" + "a" * 64, "-1:" + "a" * 64, "1:" + "g" * 64]
)
def test_parse_head_rejects_malformed(value: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_head(value)
