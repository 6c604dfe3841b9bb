"""``Client``'s event feed: registry events after a sequence number, and an iterator that
follows the feed. A part of :class:`~modelyard.client.client.Client`, kept apart so each
module stays small."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from modelyard.client.transport import Transport
from modelyard.domain.events import RegistryEvent

EventBatch = tuple[list[RegistryEvent], int]  # events oldest first, and the cursor after them
MAX_READS = 2**62  # "forever", yet a bounded loop


def type_list(types: str | Iterable[str] | None) -> list[str] | None:
    if types is None:
        return None
    return [types] if isinstance(types, str) else list(types)


class EventMethods:
    _transport: Transport

    def events(
        self,
        after: int = 0,
        *,
        model: str | None = None,
        types: str | Iterable[str] | None = None,
        wait: float = 0.0,
    ) -> EventBatch:
        """Registry events with a sequence above ``after`` (at most 100), of one model and
        of the given types (``"stage.transitioned"``, …) if given, that the caller may read;
        and the cursor to pass as ``after`` next. With ``wait`` (seconds, at most 30) and
        nothing yet, the call waits for an event that long (long-poll)."""
        return self._transport.read_events(after, model, type_list(types), wait)

    def follow_events(
        self,
        after: int = 0,
        *,
        model: str | None = None,
        types: str | Iterable[str] | None = None,
        wait: float = 30.0,
        until_idle: bool = False,
    ) -> Iterator[RegistryEvent]:
        """Every event after ``after``, one at a time, waiting for new ones as they come;
        with ``until_idle`` it stops once no event is left (drain and exit). Save
        ``event.seq`` after handling an event, and pass it as ``after`` to resume."""
        wanted = type_list(types)
        for _ in range(MAX_READS):
            batch, cursor = self._transport.read_events(
                after, model, wanted, 0.0 if until_idle else wait
            )
            yield from batch
            # an empty answer whose cursor moved only skipped events the filters left out
            # (a read scans a bounded window): there may be more behind it
            if until_idle and not batch and cursor == after:
                return
            after = cursor
