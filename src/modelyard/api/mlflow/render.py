"""Modelyard entities as MLflow JSON objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from modelyard.domain.entities import ModelVersion, RegisteredModel


def millis(at: datetime | None) -> int | None:
    return None if at is None else int(at.timestamp() * 1000)


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in sorted(tags.items())]


def download_uri(name: str, version: int) -> str:
    """Where the MLflow client downloads a version's files: served by our artifact proxy."""
    return f"mlflow-artifacts:/modelyard-models/{name}/{version}"


def version(v: ModelVersion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": v.name,
        "version": str(v.version),
        "creation_timestamp": millis(v.created_at),
        "last_updated_timestamp": millis(v.updated_at),
        "user_id": v.created_by,
        "current_stage": v.stage.value,
        "description": v.description,
        "source": v.source,
        "status": "READY",
        "tags": tag_list(v.tags),
        "aliases": sorted(v.aliases),
    }
    if v.run_id:
        out["run_id"] = v.run_id
    model_id = v.flavor_metadata.get("mlflow_model_id")
    if isinstance(model_id, str):
        out["model_id"] = model_id
    return out


def model(m: RegisteredModel, latest: list[ModelVersion] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": m.name,
        "creation_timestamp": millis(m.created_at),
        "last_updated_timestamp": millis(m.updated_at),
        "user_id": m.created_by,
        "description": m.description,
        "tags": tag_list(m.tags),
        "aliases": [{"alias": a, "version": str(n)} for a, n in sorted(m.aliases.items())],
    }
    if latest:
        out["latest_versions"] = [version(v) for v in latest]
    return out
