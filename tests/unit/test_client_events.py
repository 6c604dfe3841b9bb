"""``Client.follow_events`` over a fake transport: how it walks the feed's cursor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from modelyard.client.events import EventMethods
from modelyard.client.transport import Transport
from modelyard.domain.events import RegistryEvent

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _event(seq: int) -> RegistryEvent:
    return RegistryEvent(seq, "tag.set", AT, "alice", "fraud", "id", None, None, None, None)


class ScriptedFeed:
    """Answers reads from a script of (events, next); records each ``after`` asked."""

    def __init__(self, script: list[tuple[list[RegistryEvent], int]]) -> None:
        self.script, self.asked = script, list[int]()

    def read_events(
        self, after: int, model: str | None, types: list[str] | None, wait: float
    ) -> tuple[list[RegistryEvent], int]:
        self.asked.append(after)
        return self.script.pop(0) if self.script else ([], after)


class Feed(EventMethods):
    def __init__(self, transport: ScriptedFeed) -> None:
        self._transport = cast(Transport, transport)


def test_follow_events_until_idle_reads_past_a_window_of_filtered_events() -> None:
    transport = ScriptedFeed([([], 500), ([_event(501)], 501)])
    seen = [e.seq for e in Feed(transport).follow_events(0, until_idle=True)]
    assert seen == [501]
    assert transport.asked == [0, 500, 501]


def test_follow_events_until_idle_stops_when_the_cursor_rests() -> None:
    transport = ScriptedFeed([([_event(1), _event(2)], 2)])
    assert [e.seq for e in Feed(transport).follow_events(0, until_idle=True)] == [1, 2]
    assert transport.asked == [0, 2]
