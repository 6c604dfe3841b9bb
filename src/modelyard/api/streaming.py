"""Request bodies as blocking readers, so blob stores can consume uploads from a thread."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio.lowlevel
from anyio.from_thread import run as run_from_thread

BATCH = 1024 * 1024


class BodyReader:
    """A blocking reader over a request's async body, for worker threads.

    Each hop to the event loop collects chunks until about ``BATCH`` bytes are in hand (ASGI
    servers deliver ~64 KiB at a time), so a large upload costs one hop per MiB rather than
    one per chunk; memory stays bounded at about two batches whatever the upload size.
    """

    def __init__(self, stream: AsyncIterator[bytes]) -> None:
        self.stream = stream
        # captured on the event loop: the store may read from any of its own threads
        self.token = anyio.lowlevel.current_token()
        self.parts: list[bytes] = []
        self.held = 0
        self.done = False

    async def _collect(self, want: int) -> list[bytes]:
        got, size = [], 0
        while size < want:
            try:
                chunk = await self.stream.__anext__()
            except StopAsyncIteration:
                break
            got.append(chunk)
            size += len(chunk)
        return got

    def _fill(self, n: int) -> None:
        while not self.done and (n < 0 or self.held < n):
            want = BATCH if n < 0 else max(n - self.held, BATCH)
            got = run_from_thread(self._collect, want, token=self.token)
            if sum(len(c) for c in got) < want:
                self.done = True
            self.parts.extend(got)
            self.held += sum(len(c) for c in got)

    def read(self, n: int = -1, /) -> bytes:
        self._fill(n)
        data = b"".join(self.parts)
        if n < 0 or n >= len(data):
            self.parts, self.held = [], 0
            return data
        self.parts, self.held = [data[n:]], len(data) - n
        return data[:n]
