"""Content-addressed blobs: ask which are missing, stream uploads in, stream downloads out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from modelyard import wire
from modelyard.api.deps import Reg
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.api.streaming import BodyReader
from modelyard.bootstrap import Registry
from modelyard.domain.digests import sha256_hex
from modelyard.errors import InvalidArgument, ModelyardError, NotFound
from modelyard.service.maintenance import blob_readable
from modelyard.service.ports import BlobInfo, ReadStream

router = APIRouter(prefix="/api/v1/blobs", responses=ERROR_RESPONSES, tags=["blobs"])
CHUNK = 1024 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(ModelyardError):
    code = "RANGE_NOT_SATISFIABLE"
    http_status = 416


@router.post("/missing", response_model=wire.MissingOut)
def missing(body: wire.MissingIn, reg: Reg) -> wire.MissingOut:
    """Which of these digests the store lacks; upload only those."""
    return wire.MissingOut(missing=sorted(reg.blobs.missing(body.digests)))


def _digest(ref: str) -> str:
    if not ref.startswith("sha256:"):
        raise InvalidArgument("blob reference must be sha256:<hex>")
    return sha256_hex(ref)


def _readable(reg: Registry, ref: str) -> str:
    digest = _digest(ref)
    if not blob_readable(reg.context, digest):
        raise NotFound(f"blob sha256:{digest} belongs only to deleted versions")
    return digest


@router.put("/{ref}", status_code=201, response_model=wire.BlobOut)
async def put_blob(ref: str, request: Request, reg: Reg) -> wire.BlobOut:
    """Stream a blob in; it is hashed while streaming and refused if it does not match."""
    digest = _digest(ref)
    reader = BodyReader(request.stream().__aiter__())
    info: BlobInfo = await anyio.to_thread.run_sync(lambda: reg.blobs.put(reader, digest))
    return wire.BlobOut(digest=f"sha256:{info.digest}", size=info.size)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    if not header:
        return None
    m = _RANGE.fullmatch(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise RangeNotSatisfiable(f"unsupported Range {header[:60]!r}")
    if not m.group(1):
        start, end = max(size - int(m.group(2)), 0), size - 1
    else:
        start = int(m.group(1))
        end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable(f"range {header[:60]!r} is outside the blob's {size} bytes")
    return start, end


def _chunks(f: ReadStream, remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            chunk = f.read(min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        f.close()


@router.get("/{ref}")
def get_blob(ref: str, request: Request, reg: Reg) -> Response:
    """Stream a blob out; honours a single `Range: bytes=a-b`."""
    digest = _readable(reg, ref)
    size = reg.blobs.size(digest)
    span = _byte_range(request.headers.get("range"), size)
    start, end = span if span else (0, size - 1)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1),
        "ETag": f'"sha256:{digest}"',
        "Docker-Content-Digest": f"sha256:{digest}",
    }
    if span:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    f = reg.blobs.open(digest, start)
    return StreamingResponse(
        _chunks(f, end - start + 1),
        status_code=206 if span else 200,
        media_type="application/octet-stream",
        headers=headers,
    )


@router.head("/{ref}")
def head_blob(ref: str, reg: Reg) -> Response:
    """Whether a blob exists, and its size."""
    digest = _readable(reg, ref)
    size = reg.blobs.size(digest)
    return Response(
        status_code=200, headers={"Content-Length": str(size), "Accept-Ranges": "bytes"}
    )
