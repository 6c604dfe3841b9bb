"""The MLflow artifact proxy (``/api/2.0/mlflow-artifacts/artifacts``), over the blob store.

Uploads stream into content-addressed blobs (hashed while streaming) and are recorded by
their checked relative path. ``modelyard-models/<name>/<version>/…`` is read-only and
served from the registered version's manifest. Downloads follow the one streaming policy
of ``api/download.py``: whole files verified while they stream, a Range as stored.
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from modelyard.api.deps import context
from modelyard.api.download import stream_blob
from modelyard.api.mlflow.protocol import guarded
from modelyard.api.streaming import BodyReader
from modelyard.domain import names
from modelyard.domain.digests import ManifestEntry, artifact_path
from modelyard.errors import InvalidArgument, NotFound
from modelyard.service import artifacts, versions
from modelyard.service.context import Context

router = APIRouter(tags=["mlflow"])
PREFIXES = ("/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts")


def _version_file(ctx: Context, parts: list[str]) -> tuple[list[ManifestEntry], str]:
    """A registered version's files and the path inside it, from modelyard-models/N/V/…."""
    if len(parts) < 3:
        raise NotFound("name a registered version: modelyard-models/<name>/<version>/…")
    v = versions.get_version(ctx, parts[1], names.version_number(parts[2]))
    return list(v.manifest.entries), "/".join(parts[3:])


def _entry(ctx: Context, path: str) -> ManifestEntry:
    parts = path.split("/")
    if parts[0] == artifacts.RESERVED:
        entries, sub = _version_file(ctx, parts)
        for e in entries:
            if e.path == sub:
                return e
        raise NotFound(f"artifact {path!r} does not exist")
    rec = artifacts.get_artifact(ctx, path)
    return ManifestEntry(path, rec.size, rec.sha256)


async def download(request: Request) -> Response:
    """Whole files verified while they stream, ranges as stored (``api/download.py``)."""
    path = artifact_path(request.path_params["path"])
    ctx = context(request)
    span = request.headers.get("range")

    def respond() -> Response:
        entry = _entry(ctx, path)
        return stream_blob(ctx.blobs, entry.sha256, entry.size, span, repr(entry.path))

    return await anyio.to_thread.run_sync(respond)


async def upload(request: Request) -> Response:
    path = artifacts.writable_path(request.path_params["path"])  # before any byte is read
    ctx = context(request)
    reader = BodyReader(request.stream().__aiter__())
    await anyio.to_thread.run_sync(lambda: artifacts.put_artifact(ctx, path, reader))
    return JSONResponse({})


def _listing(ctx: Context, prefix: str) -> list[dict[str, Any]]:
    parts = prefix.split("/") if prefix else []
    if parts and parts[0] == artifacts.RESERVED:
        entries, sub = _version_file(ctx, parts)
        found = artifacts.list_dir([(e.path, e.size) for e in entries], sub)
    else:
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
