"""The HTTP transport's event feed call (``GET /api/v1/events``). A mixin of
:class:`~modelyard.client.http.HttpTransport`, using its request helpers."""

from __future__ import annotations

from modelyard.client.http_parts import TransportPart
from modelyard.domain.events import RegistryEvent
from modelyard.wire.feed import EventFeedOut, registry_event_to_domain


def _batch(w: EventFeedOut) -> tuple[list[RegistryEvent], int]:
    return [registry_event_to_domain(e) for e in w.events], w.next


class EventCalls(TransportPart):
    def read_events(
        self, after: int, model: str | None, types: list[str] | None, wait: float
    ) -> tuple[list[RegistryEvent], int]:
        kinds = ",".join(types) if types is not None else None
        return self._get(
            EventFeedOut, "/api/v1/events", _batch, after=after, model=model, type=kinds, wait=wait
        )
