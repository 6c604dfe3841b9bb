"""A readable over a streamed blob download that resumes with ``Range`` when cut off."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx

from modelyard.errors import ModelyardError, Unavailable

# Opens the blob from a byte offset: a full GET at 0, a ranged GET after that.
Opener = Callable[[int], httpx.Response]


class BlobStream:
    """Reads a blob in order; a broken connection re-opens it where the last byte ended.

    The bytes are verified against the manifest digest by whoever reads them, so a server
    that answers a resume with the wrong bytes is caught there.
    """

    def __init__(self, opener: Opener, attempts: int) -> None:
        self.opener, self.attempts = opener, attempts
        self.offset = 0
        self.response = opener(0)
        # Unsized: bytes are handed on as they arrive, so none are lost in a buffer on a cut.
        self.chunks: Iterator[bytes] = self.response.iter_bytes()
        self.buffer = bytearray()

    def _resume(self) -> None:
        self.response.close()
        self.response = self.opener(self.offset)
        if self.offset and self.response.status_code != 206:
            self.response.close()
            raise ModelyardError(
                f"the server ignored a Range request (HTTP {self.response.status_code})"
            )
        self.chunks = self.response.iter_bytes()

    def _next(self) -> bytes:
        for _ in range(self.attempts):
            try:
                chunk = next(self.chunks, b"")
            except httpx.TransportError:
                self._resume()
                continue
            self.offset += len(chunk)
            return chunk
        raise Unavailable(f"download cut off {self.attempts} times; giving up")

    def read(self, n: int = -1, /) -> bytes:
        while n < 0 or len(self.buffer) < n:
            chunk = self._next()
            if not chunk:
                break
            self.buffer += chunk
        n = len(self.buffer) if n < 0 else n
        out = bytes(self.buffer[:n])
        del self.buffer[:n]
        return out

    def close(self) -> None:
        self.response.close()
