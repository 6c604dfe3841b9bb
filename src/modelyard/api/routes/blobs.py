"""Content-addressed blobs: ask which are missing, stream uploads in, stream downloads out."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request, Response

from modelyard import wire
from modelyard.api.deps import Reg
from modelyard.api.download import stream_blob
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.api.streaming import BodyReader
from modelyard.bootstrap import Runtime
from modelyard.domain.digests import sha256_hex
from modelyard.errors import InvalidArgument, NotFound
from modelyard.service.maintenance import blob_readable
from modelyard.service.ports import BlobInfo

router = APIRouter(prefix="/api/v1/blobs", responses=ERROR_RESPONSES, tags=["blobs"])
MAX_MISSING = 10_000


@router.post("/missing", response_model=wire.MissingOut)
def missing(body: wire.MissingIn, reg: Reg) -> wire.MissingOut:
    """Which of these digests the store lacks (at most 10,000 a request); upload only those."""
    if len(body.digests) > MAX_MISSING:
        raise InvalidArgument(
            f"ask about at most {MAX_MISSING} digests a request, not {len(body.digests)}"
        )
    return wire.MissingOut(missing=sorted(reg.blobs.missing(body.digests)))


def _digest(ref: str) -> str:
    if not ref.startswith("sha256:"):
        raise InvalidArgument("blob reference must be sha256:<hex>")
    return sha256_hex(ref)


def _readable(reg: Runtime, ref: str) -> str:
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


@router.get("/{ref}")
def get_blob(ref: str, request: Request, reg: Reg) -> Response:
    """Stream a blob out, verified against its digest; honours one `Range: bytes=a-b`
    (sent as stored: the client verifies). A Range it does not use is ignored."""
    digest = _readable(reg, ref)
    size = reg.blobs.size(digest)
    return stream_blob(
        reg.blobs,
        digest,
        size,
        request.headers.get("range"),
        f"blob sha256:{digest}",
        {"Docker-Content-Digest": f"sha256:{digest}"},
    )


@router.head("/{ref}")
def head_blob(ref: str, reg: Reg) -> Response:
    """Whether a blob exists, and its size."""
    digest = _readable(reg, ref)
    size = reg.blobs.size(digest)
    return Response(
        status_code=200, headers={"Content-Length": str(size), "Accept-Ranges": "bytes"}
    )
