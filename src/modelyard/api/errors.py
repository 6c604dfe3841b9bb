"""The one table from errors to HTTP responses. Never a traceback, never a 500 for input."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelyard.errors import ModelyardError, RangeNotSatisfiable
from modelyard.wire import ErrorBody

log = logging.getLogger("modelyard.api")

_STATUS_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    411: "LENGTH_REQUIRED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    416: "RANGE_NOT_SATISFIABLE",
    422: "INVALID_ARGUMENT",
}


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc(
        "Invalid argument: a bad name, version, stage, filter, path or body "
        "(INVALID_ARGUMENT), or a Host this server does not answer for (UNTRUSTED_HOST)"
    ),
    403: _doc("A state-changing request a browser could have forged (CROSS_SITE_REQUEST)"),
    404: _doc("The model, version, alias, run or blob does not exist"),
    409: _doc(
        "Already exists, conflicts with the current state, or an Idempotency-Key was reused"
        " for another request or is still in progress"
    ),
    413: _doc("Request body or blob too large (PAYLOAD_TOO_LARGE)"),
    416: _doc("The Range starts past the end of the blob (RANGE_NOT_SATISFIABLE)"),
    422: _doc("Bytes do not match their declared digest"),
    500: _doc("Internal error (a bug; the body names the request id)"),
    503: _doc("A backing service is unavailable; retry"),
    507: _doc("The blob store has no space left"),
}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _stack(exc: BaseException) -> str:
    """Each exception's frames and type, oldest first: no messages, no local values."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 8:
        kind = type(current)
        frames = "".join(traceback.format_tb(current.__traceback__))
        parts.append(f"{frames}{kind.__module__}.{kind.__qualname__}")
        suppressed = current.__suppress_context__
        current = current.__cause__ or (None if suppressed else current.__context__)
    return "\n(which led to)\n".join(reversed(parts))


def log_unexpected(logger: logging.Logger, request_id: str, exc: BaseException) -> None:
    """Log a bug with its request id and stack, but not its message: driver messages carry
    SQL parameters and constraint details, which are user data."""
    logger.error("unhandled %s on request %s\n%s", type(exc).__name__, request_id, _stack(exc))


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ModelyardError)
    async def _modelyard(_: Request, exc: ModelyardError) -> JSONResponse:
        response = error_response(exc.http_status, exc.code, exc.message)
        if isinstance(exc, RangeNotSatisfiable) and exc.size is not None:
            response.headers["Content-Range"] = f"bytes */{exc.size}"  # RFC 9110 §15.5.17
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "INVALID_ARGUMENT", _describe(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "INVALID_ARGUMENT")
        if exc.status_code >= 500:
            code = "INTERNAL_ERROR"
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RecursionError)
    async def _deep(_: Request, exc: RecursionError) -> JSONResponse:
        return error_response(400, "INVALID_ARGUMENT", "request body is nested too deeply")

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        rid = getattr(request.state, "request_id", "-")
        log_unexpected(log, rid, exc)
        return error_response(500, "INTERNAL_ERROR", f"internal error (request {rid})")
