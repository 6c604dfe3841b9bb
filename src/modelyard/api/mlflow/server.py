"""``/api/3.0/mlflow/server-info`` and MLflow's answer for endpoints modelyard lacks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from modelyard.api.mlflow.protocol import PREFIXES, error

router = APIRouter(tags=["mlflow"])
fallback = APIRouter(tags=["mlflow"])
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.get("/api/3.0/mlflow/server-info", include_in_schema=False)
def server_info() -> JSONResponse:
    """What the MLflow 3 client asks before it uses optional server features."""
    return JSONResponse(
        {
            "store_type": "modelyard",
            "workspaces_enabled": False,
            "trace_archival_enabled": False,
            "multipart_uploads_enabled": False,
            "multipart_downloads_enabled": False,
            "presigned_upload_run_id_supported": False,
            "presigned_upload_model_id_supported": False,
            "features_enabled": [],
        }
    )


async def _not_found(request: Request) -> Response:
    return error(
        "ENDPOINT_NOT_FOUND",
        f"modelyard does not implement {request.method} {request.url.path[:200]}",
        404,
    )


for _prefix in (*PREFIXES, "/api/3.0/mlflow", "/api/2.0/mlflow-artifacts"):
    fallback.add_api_route(
        _prefix + "/{rest:path}", _not_found, methods=ALL_METHODS, include_in_schema=False
    )
