"""What the parts of :class:`~modelyard.client.http.HttpTransport` (governance, webhooks,
the event feed) use of the transport: its request helpers, declared once for the type
checker. The parts are mixins; the transport defines these."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class TransportPart:
    if TYPE_CHECKING:
        http: httpx.Client

        def _send(
            self, build: Callable[[], httpx.Request], *, safe: bool, stream: bool = False
        ) -> httpx.Response: ...
        def _get(self, shape: type[M], url: str, convert: Callable[[M], T], **params: Any) -> T: ...
        def _write(
            self, method: str, url: str, body: BaseModel | None, key: str | None = None
        ) -> httpx.Response: ...
        def _call(
            self, shape: type[M], convert: Callable[[M], T], method: str, url: str, body: BaseModel
        ) -> T: ...
        def _m(self, name: str) -> str: ...
