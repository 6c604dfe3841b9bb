"""Request parsing, endpoint registration and error rendering for the MLflow protocol."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from modelyard.api.deps import context
from modelyard.api.errors import log_unexpected
from modelyard.api.media import is_json
from modelyard.errors import (
    AlreadyExists,
    Conflict,
    IntegrityError,
    InvalidArgument,
    ModelyardError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RangeNotSatisfiable,
    Unauthenticated,
    Unavailable,
)
from modelyard.service.context import Context

log = logging.getLogger("modelyard.api.mlflow")

PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
_REPEATED = frozenset({"order_by", "stages", "experiment_ids", "run_view_type"})

# (MLflow error code, HTTP status), as in mlflow.exceptions.ERROR_CODE_TO_HTTP_STATUS.
# Conflict (a finished run, a reused key) becomes INVALID_PARAMETER_VALUE: MLflow's own
# INVALID_STATE is a 500, which the client would retry.
_ERRORS: list[tuple[type[ModelyardError], str, int]] = [
    (AlreadyExists, "RESOURCE_ALREADY_EXISTS", 400),
    (NotFound, "RESOURCE_DOES_NOT_EXIST", 404),
    (IntegrityError, "INVALID_PARAMETER_VALUE", 400),
    (Conflict, "INVALID_PARAMETER_VALUE", 400),
    (Unauthenticated, "UNAUTHENTICATED", 401),
    (PermissionDenied, "PERMISSION_DENIED", 403),
    (Unavailable, "TEMPORARILY_UNAVAILABLE", 503),
    (PayloadTooLarge, "INVALID_PARAMETER_VALUE", 413),
    (RangeNotSatisfiable, "INVALID_PARAMETER_VALUE", 416),
    (InvalidArgument, "INVALID_PARAMETER_VALUE", 400),
]


def error(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


def mlflow_error(exc: ModelyardError) -> JSONResponse:
    for cls, code, status in _ERRORS:
        if isinstance(exc, cls):
            return error(code, exc.message, status)
    return error("INTERNAL_ERROR", exc.message, 500)


class Params:
    """The fields of one MLflow request: the JSON body, or the query string for GET."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def opt_str(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InvalidArgument(f"{key} must be a string")
        return str(value)

    def string(self, key: str) -> str:
        value = self.opt_str(key)
        if value is None or value == "":
            raise InvalidArgument(f"missing value for required parameter '{key}'")
        return value

    def opt_int(self, key: str) -> int | None:
        value = self.opt_str(key)
        if value is None or value == "":
            return None
        try:
            return int(value, 10)
        except ValueError:
            raise InvalidArgument(f"{key} must be an integer, not {value[:40]!r}") from None

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidArgument(f"{key} must be true or false")

    def items(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def strs(self, key: str) -> list[str]:
        out = self.items(key)
        if not all(isinstance(v, str) for v in out):
            raise InvalidArgument(f"{key} must be a list of strings")
        return out

    def tags(self, key: str = "tags") -> dict[str, str]:
        tags: dict[str, str] = {}
        for item in self.items(key):
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise InvalidArgument(f"{key} must be a list of {{key, value}} objects")
            value = item.get("value", "")
            if not isinstance(value, str):
                raise InvalidArgument(f"value of tag {item['key'][:40]!r} must be a string")
            tags[item["key"]] = value
        return tags


def _query_params(request: Request) -> Params:
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in _REPEATED:
            data.setdefault(key, []).append(value)
        elif key in data:
            raise InvalidArgument(f"parameter {key[:40]!r} given more than once")
        else:
            data[key] = value
    return Params(data)


async def read_params(request: Request) -> Params:
    """GET reads the query string; every other method reads only its JSON body, never the
    query string (a cross-site form could set that), and an empty body is no parameters."""
    if request.method == "GET":
        return _query_params(request)
    raw = await request.body()
    if not raw.strip():
        return Params({})
    if not is_json(request.headers.get("content-type")):
        raise InvalidArgument("request body must be JSON (Content-Type: application/json)")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidArgument("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidArgument("request body must be a JSON object")
    return Params(body)


Handler = Callable[[Context, Params], dict[str, Any]]


def guarded(
    call: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Render every error of an MLflow route as MLflow JSON."""

    async def endpoint(request: Request) -> Response:
        try:
            return await call(request)
        except ModelyardError as exc:
            return mlflow_error(exc)
        except RecursionError:
            return error("INVALID_PARAMETER_VALUE", "request body is nested too deeply", 400)
        except Exception as exc:
            rid = getattr(request.state, "request_id", "-")
            log_unexpected(log, rid, exc)
            return error("INTERNAL_ERROR", f"internal error (request {rid})", 500)

    return endpoint


def add(router: APIRouter, path: str, methods: list[str], handler: Handler) -> None:
    """Serve ``handler`` at ``path`` under both MLflow prefixes (REST and the UI's ajax)."""

    async def call(request: Request) -> Response:
        params = await read_params(request)
        ctx = context(request)
        body = await run_in_threadpool(handler, ctx, params)
        return JSONResponse(body)

    for prefix in PREFIXES:
        router.add_api_route(prefix + path, guarded(call), methods=methods, include_in_schema=False)
