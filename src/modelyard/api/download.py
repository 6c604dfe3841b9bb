"""Blobs streamed out to clients: one policy for ``/api/v1/blobs`` and the MLflow artifact proxy.

A whole object is verified while it streams: the last chunk is held back until every byte
matched the size and digest, so a corrupt blob ends as a short (failed) download, never as a
whole one. A ``Range`` answer (206) is sent as stored; the client verifies what it assembles.

Range handling (RFC 9110 section 14): one ``bytes=first-last`` or ``bytes=-suffix`` range is
honoured. A header this server does not use (another unit, several ranges, bad syntax, last
before first) is ignored, as RFC 9110 allows, and the whole object is sent, verified. A range
that starts at or past the end, or an empty suffix, is 416 ``RANGE_NOT_SATISFIABLE``. Numbers
are read with bounded digits: a position of more than 18 significant digits lies past the end
of any object, so no header can make the parser slow or fail.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator

from fastapi.responses import StreamingResponse

from modelyard.errors import IntegrityError, RangeNotSatisfiable
from modelyard.service.ports import BlobStore, ReadStream

log = logging.getLogger("modelyard.api")
CHUNK = 1024 * 1024
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)
_DIGITS = 18
_PAST_ANY_END = 10**_DIGITS


def _number(digits: str) -> int:
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) <= _DIGITS else _PAST_ANY_END


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive span a Range header asks of ``size`` bytes; None for the whole object."""
    m = _RANGE.fullmatch(header.strip()) if header else None
    if m is None or not (m.group(1) or m.group(2)):
        return None
    if not m.group(1):
        suffix = _number(m.group(2))
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"an empty suffix range of the object's {size} bytes", size)
        return max(size - suffix, 0), size - 1
    start = _number(m.group(1))
    end = _number(m.group(2)) if m.group(2) else None
    if end is not None and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(f"the range starts past the object's {size} bytes", size)
    return start, size - 1 if end is None else min(end, size - 1)


def _verified(f: ReadStream, size: int, sha256: str, label: str) -> Iterator[bytes]:
    digest, seen, held = hashlib.sha256(), 0, b""
    try:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            seen += len(chunk)
            if held:
                yield held
            held = chunk
    finally:
        f.close()
    if seen != size or digest.hexdigest() != sha256:
        # the store is damaged: say so plainly, whatever else logs the cut-short response
        log.error("stored bytes of %s do not match their digest; download cut short", label)
        raise IntegrityError(f"stored bytes of {label} do not match their digest")
    if held:
        yield held


def _span(f: ReadStream, remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            chunk = f.read(min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        f.close()


def stream_blob(
    blobs: BlobStore,
    sha256: str,
    size: int,
    range_header: str | None,
    label: str,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """The response for a blob of ``size`` bytes: whole and verified, or the asked range.

    Blocking (it opens the blob): call it from a worker thread."""
    span = byte_range(range_header, size)
    out = {"Accept-Ranges": "bytes", "ETag": f'"sha256:{sha256}"', **(headers or {})}
    if span is None:
        out["Content-Length"] = str(size)
        return StreamingResponse(
            _verified(blobs.open(sha256), size, sha256, label),
            media_type="application/octet-stream",
            headers=out,
        )
    start, end = span
    out["Content-Length"] = str(end - start + 1)
    out["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        _span(blobs.open(sha256, start), end - start + 1),
        status_code=206,
        media_type="application/octet-stream",
        headers=out,
    )
