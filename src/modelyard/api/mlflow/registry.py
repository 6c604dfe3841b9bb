"""The MLflow model registry endpoints, translated to ``modelyard.service`` calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from modelyard.api.mlflow import render
from modelyard.api.mlflow.protocol import Params, add
from modelyard.api.mlflow.search import page_limit, translate_filter, translate_order
from modelyard.domain import names
from modelyard.service import models, sources, stages, versions
from modelyard.service.context import Context

router = APIRouter(tags=["mlflow"])


def _number(p: Params) -> int:
    return names.version_number(p.string("version"))


# registered models ------------------------------------------------------------------


def create_model(ctx: Context, p: Params) -> dict[str, Any]:
    m = models.create_model(ctx, p.string("name"), p.opt_str("description") or "", p.tags())
    return {"registered_model": render.model(m)}


def get_model(ctx: Context, p: Params) -> dict[str, Any]:
    m, latest = models.latest_versions(ctx, p.string("name"))
    return {"registered_model": render.model(m, latest)}


def rename_model(ctx: Context, p: Params) -> dict[str, Any]:
    m = models.rename_model(ctx, p.string("name"), p.string("new_name"))
    return {"registered_model": render.model(m)}


def update_model(ctx: Context, p: Params) -> dict[str, Any]:
    description = p.opt_str("description")
    if description is None:
        m = models.get_model(ctx, p.string("name"))
    else:
        m = models.update_model(ctx, p.string("name"), description)
    return {"registered_model": render.model(m)}


def delete_model(ctx: Context, p: Params) -> dict[str, Any]:
    models.delete_model(ctx, p.string("name"))
    return {}


def search_models(ctx: Context, p: Params) -> dict[str, Any]:
    flt = translate_filter(p.opt_str("filter"), versions=False)
    order = translate_order(p.strs("order_by"), versions=False)
    limit = page_limit(p.opt_int("max_results"), 100)
    page = models.search_models(ctx, flt, limit, p.opt_str("page_token"), order)
    out: dict[str, Any] = {"registered_models": [render.model(m) for m in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


def latest_versions(ctx: Context, p: Params) -> dict[str, Any]:
    _, latest = models.latest_versions(ctx, p.string("name"), p.strs("stages"))
    return {"model_versions": [render.version(v) for v in latest]}


def set_model_tag(ctx: Context, p: Params) -> dict[str, Any]:
    models.set_model_tag(ctx, p.string("name"), p.string("key"), p.opt_str("value") or "")
    return {}


def delete_model_tag(ctx: Context, p: Params) -> dict[str, Any]:
    models.delete_model_tag(ctx, p.string("name"), p.string("key"))
    return {}


def set_alias(ctx: Context, p: Params) -> dict[str, Any]:
    stages.set_alias(ctx, p.string("name"), p.string("alias"), _number(p))
    return {}


def delete_alias(ctx: Context, p: Params) -> dict[str, Any]:
    stages.delete_alias(ctx, p.string("name"), p.string("alias"))
    return {}


def get_by_alias(ctx: Context, p: Params) -> dict[str, Any]:
    alias = names.alias_name(p.string("alias"))
    return {
        "model_version": render.version(versions.get_version(ctx, p.string("name"), f"@{alias}"))
    }


# model versions ---------------------------------------------------------------------


def create_version(ctx: Context, p: Params) -> dict[str, Any]:
    request = sources.SourceRequest(
        source=p.opt_str("source") or "",
        run_id=p.opt_str("run_id") or None,
        model_id=p.opt_str("model_id") or None,
        run_link=p.opt_str("run_link") or "",
        description=p.opt_str("description") or "",
        tags=p.tags(),
    )
    v = sources.create_version_from_source(ctx, p.string("name"), request)
    return {"model_version": render.version(v)}


def get_version(ctx: Context, p: Params) -> dict[str, Any]:
    return {
        "model_version": render.version(versions.get_version(ctx, p.string("name"), _number(p)))
    }


def update_version(ctx: Context, p: Params) -> dict[str, Any]:
    name, number = p.string("name"), _number(p)
    description = p.opt_str("description")
    if description is None:
        v = versions.get_version(ctx, name, number)
    else:
        v = versions.update_version(ctx, name, number, description)
    return {"model_version": render.version(v)}


def delete_version(ctx: Context, p: Params) -> dict[str, Any]:
    versions.delete_version(ctx, p.string("name"), _number(p))
    return {}


def search_versions(ctx: Context, p: Params) -> dict[str, Any]:
    flt = translate_filter(p.opt_str("filter"), versions=True)
    order = translate_order(p.strs("order_by"), versions=True)
    limit = page_limit(p.opt_int("max_results"), 10_000)
    page = versions.search_versions(ctx, flt, limit, p.opt_str("page_token"), order)
    out: dict[str, Any] = {"model_versions": [render.version(v) for v in page.items]}
    if page.next_page_token:
        out["next_page_token"] = page.next_page_token
    return out


def transition(ctx: Context, p: Params) -> dict[str, Any]:
    # MLflow's default is to keep the versions already in the stage; modelyard's is to
    # archive them. The MLflow default is mapped explicitly.
    archive = p.flag("archive_existing_versions", False)
    v = stages.transition_stage(ctx, p.string("name"), _number(p), p.string("stage"), archive)
    return {"model_version": render.version(v)}


def set_version_tag(ctx: Context, p: Params) -> dict[str, Any]:
    value = p.opt_str("value") or ""
    versions.set_version_tag(ctx, p.string("name"), _number(p), p.string("key"), value)
    return {}


def delete_version_tag(ctx: Context, p: Params) -> dict[str, Any]:
    versions.delete_version_tag(ctx, p.string("name"), _number(p), p.string("key"))
    return {}


def download_uri(ctx: Context, p: Params) -> dict[str, Any]:
    v = versions.get_version(ctx, p.string("name"), _number(p))
    return {"artifact_uri": render.download_uri(v.name, v.version)}


_RM, _MV = "/registered-models", "/model-versions"
for path, methods, handler in [
    (f"{_RM}/create", ["POST"], create_model),
    (f"{_RM}/get", ["GET"], get_model),
    (f"{_RM}/rename", ["POST"], rename_model),
    (f"{_RM}/update", ["PATCH"], update_model),
    (f"{_RM}/delete", ["DELETE"], delete_model),
    (f"{_RM}/search", ["GET"], search_models),
    (f"{_RM}/get-latest-versions", ["GET", "POST"], latest_versions),
    (f"{_RM}/set-tag", ["POST"], set_model_tag),
    (f"{_RM}/delete-tag", ["DELETE"], delete_model_tag),
    (f"{_RM}/alias", ["POST"], set_alias),
    (f"{_RM}/alias", ["DELETE"], delete_alias),
    (f"{_RM}/alias", ["GET"], get_by_alias),
    (f"{_MV}/create", ["POST"], create_version),
    (f"{_MV}/get", ["GET"], get_version),
    (f"{_MV}/update", ["PATCH"], update_version),
    (f"{_MV}/delete", ["DELETE"], delete_version),
    (f"{_MV}/search", ["GET"], search_versions),
    (f"{_MV}/transition-stage", ["POST"], transition),
    (f"{_MV}/set-tag", ["POST"], set_version_tag),
    (f"{_MV}/delete-tag", ["DELETE"], delete_version_tag),
    (f"{_MV}/get-download-uri", ["GET"], download_uri),
]:
    add(router, path, methods, handler)
