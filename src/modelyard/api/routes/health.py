"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from modelyard.api.deps import Reg
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.api.metrics import Metrics
from modelyard.errors import Unavailable

router = APIRouter(responses=ERROR_RESPONSES, tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(reg: Reg) -> dict[str, str]:
    """The database and the blob store are reachable."""
    try:
        with reg.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise Unavailable(f"database unreachable: {type(exc).__name__}") from None
    reg.blobs.ping()
    return {"status": "ready"}


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request) -> Response:
    """Prometheus text exposition of request counts and latencies."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type="text/plain; version=0.0.4")
