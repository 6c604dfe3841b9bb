"""The MLflow artifact proxy (``/api/2.0/mlflow-artifacts/artifacts``), over the blob store.

Uploads stream into content-addressed blobs (hashed while streaming) and are recorded by
their checked relative path. ``modelyard-models/<name>/<version>/…`` is read-only and
served from the registered version's manifest, each file verified against its digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from modelyard.api.deps import context
from modelyard.api.mlflow.protocol import guarded
from modelyard.api.routes.blobs import CHUNK
from modelyard.api.streaming import BodyReader
from modelyard.domain.digests import ManifestEntry, artifact_path
from modelyard.errors import IntegrityError, InvalidArgument
from modelyard.service import artifacts
from modelyard.service.context import Context
from modelyard.service.ports import ReadStream

router = APIRouter(tags=["mlflow"])
PREFIXES = ("/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts")


def _verified(f: ReadStream, entry: ManifestEntry) -> Iterator[bytes]:
    """Stream a blob; the last chunk is held back until every byte matched the record,
    so a mismatch leaves the client with a short (failed) download, never a whole one."""
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
    if seen != entry.size or digest.hexdigest() != entry.sha256:
        raise IntegrityError(f"stored bytes of {entry.path!r} do not match their digest")
    if held:
        yield held


async def download(request: Request) -> Response:
    path = artifact_path(request.path_params["path"])
    ctx = context(request)
    entry = await anyio.to_thread.run_sync(lambda: artifacts.artifact_entry(ctx, path))
    f = ctx.blobs.open(entry.sha256)
    return StreamingResponse(
        _verified(f, entry),
        media_type="application/octet-stream",
        headers={"Content-Length": str(entry.size), "ETag": f'"sha256:{entry.sha256}"'},
    )


async def upload(request: Request) -> Response:
    ctx = context(request)
    raw = request.path_params["path"]  # checked, with its owner, before any byte is read
    path = await anyio.to_thread.run_sync(lambda: artifacts.check_writable(ctx, raw))
    reader = BodyReader(request.stream().__aiter__())
    await anyio.to_thread.run_sync(lambda: artifacts.put_artifact(ctx, path, reader))
    return JSONResponse({})


def _listing(ctx: Context, prefix: str) -> list[dict[str, Any]]:
    found = artifacts.list_artifacts(ctx, prefix)
    out = []
    for item in found:
        row: dict[str, Any] = {"path": item.name, "is_dir": item.is_dir}
        if item.size is not None:
            row["file_size"] = item.size
        out.append(row)
    return out


async def list_files(request: Request) -> Response:
    raw = request.query_params.get("path", "")
    prefix = artifact_path(raw) if raw else ""
    ctx = context(request)
    files = await anyio.to_thread.run_sync(lambda: _listing(ctx, prefix))
    return JSONResponse({"files": files})


async def delete(request: Request) -> Response:
    artifact_path(request.path_params["path"])
    raise InvalidArgument("artifacts are immutable in modelyard; delete is not supported")


for _prefix in PREFIXES:
    router.add_api_route(_prefix, guarded(list_files), methods=["GET"], include_in_schema=False)
    for _method, _call in (("GET", download), ("PUT", upload), ("DELETE", delete)):
        router.add_api_route(
            _prefix + "/{path:path}", guarded(_call), methods=[_method], include_in_schema=False
        )
