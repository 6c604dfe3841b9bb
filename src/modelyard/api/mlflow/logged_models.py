"""MLflow 3 logged models: create, finalize, tag, search; their files go through the proxy."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from modelyard.api.deps import context
from modelyard.api.mlflow.protocol import PREFIXES, Params, guarded, read_params
from modelyard.api.mlflow.render import millis, tag_list
from modelyard.domain.tracking import LoggedModel
from modelyard.errors import InvalidArgument
from modelyard.service import artifacts
from modelyard.service.context import Context

router = APIRouter(tags=["mlflow"])
_STATUS = {"LOGGED_MODEL_PENDING": "PENDING", "LOGGED_MODEL_READY": "READY"}
_STATUS["LOGGED_MODEL_UPLOAD_FAILED"] = "FAILED"
_WIRE_STATUS = {v: k for k, v in _STATUS.items()}
_NAME_FILTER = re.compile(r"\s*name\s*=\s*'([^'\\]*)'\s*")


def render(m: LoggedModel) -> dict[str, Any]:
    info: dict[str, Any] = {
        "model_id": m.id,
        "experiment_id": m.experiment_id,
        "name": m.name,
        "creation_timestamp_ms": millis(m.created_at),
        "last_updated_timestamp_ms": millis(m.updated_at),
        "artifact_uri": f"mlflow-artifacts:/{m.artifact_root}",
        "status": _WIRE_STATUS[m.status],
        "model_type": m.model_type,
        "tags": tag_list(m.tags),
    }
    if m.run_id:
        info["source_run_id"] = m.run_id
    params = [{"key": k, "value": v} for k, v in sorted(m.params.items())]
    return {"info": info, "data": {"params": params, "metrics": []}}


def create(ctx: Context, p: Params, _: str) -> dict[str, Any]:
    m = artifacts.create_logged_model(
        ctx,
        p.opt_str("experiment_id") or "0",
        p.opt_str("name") or "model",
        run=p.opt_str("source_run_id") or None,
        model_type=p.opt_str("model_type") or "",
        tags=p.tags(),
        params=p.tags("params"),
    )
    return {"model": render(m)}


def get(ctx: Context, _: Params, model_id: str) -> dict[str, Any]:
    return {"model": render(artifacts.get_logged_model(ctx, model_id))}


def finalize(ctx: Context, p: Params, model_id: str) -> dict[str, Any]:
    status = p.string("status")
    if status not in _STATUS:
        raise InvalidArgument(f"invalid logged model status {status[:40]!r}")
    return {"model": render(artifacts.update_logged_model(ctx, model_id, status=_STATUS[status]))}


def set_tags(ctx: Context, p: Params, model_id: str) -> dict[str, Any]:
    artifacts.update_logged_model(ctx, model_id, tags=p.tags())
    return {}


def log_params(ctx: Context, p: Params, model_id: str) -> dict[str, Any]:
    artifacts.update_logged_model(ctx, model_id, params=p.tags("params"))
    return {}


def search(ctx: Context, p: Params, _: str) -> dict[str, Any]:
    text = p.opt_str("filter") or ""
    m = _NAME_FILTER.fullmatch(text)
    if text and not m:
        raise InvalidArgument("logged model search supports only the filter name = '<name>'")
    limit = min(p.opt_int("max_results") or 100, 1000)
    page = artifacts.search_logged_models(
        ctx, p.strs("experiment_ids"), m.group(1) if m else None, limit, p.opt_str("page_token")
    )
    out: dict[str, Any] = {"models": [render(x) for x in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


def _route(path: str, method: str, handler: Any) -> None:
    async def call(request: Request) -> Response:
        params = await read_params(request)
        ctx = context(request)
        model_id = request.path_params.get("model_id", "")
        body = await run_in_threadpool(handler, ctx, params, model_id)
        return JSONResponse(body)

    for prefix in PREFIXES:
        router.add_api_route(
            prefix + "/logged-models" + path,
            guarded(call),
            methods=[method],
            include_in_schema=False,
        )


_route("/search", "POST", search)
_route("", "POST", create)
_route("/{model_id}", "GET", get)
_route("/{model_id}", "PATCH", finalize)
_route("/{model_id}/tags", "PATCH", set_tags)
_route("/{model_id}/params", "POST", log_params)
