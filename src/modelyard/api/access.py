"""Default deny: every route of the app declares here how it is authorized.

An entry is keyed ``"METHOD /path"`` as the route is declared (MLflow's ``/ajax-api/2.0``
routes share the entry of their ``/api/2.0`` twin). Its value is one of:

- a use case of ``service.permissions.USE_CASES``: the route calls it, and the use case
  checks the caller's permission (so the SDK and CLI obey the same rule);
- ``Gate(use_case)``: the route works on the store directly (blob bytes), so its
  permission is checked here, before the route runs, from the same table;
- ``AUTHENTICATED``: any signed-in caller (the server's description of itself, metrics,
  MLflow's 404 for what modelyard lacks);
- ``PUBLIC``: no credentials needed (liveness, readiness, the API description).

A new route needs a line here, or the route-enumeration test fails, and with auth on the
route answers 403 ``PERMISSION_DENIED`` until it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from modelyard.domain.identity import Principal
from modelyard.errors import PermissionDenied
from modelyard.service.permissions import require


@dataclass(frozen=True)
class Gate:
    """Checked at the route: a use case whose permission does not depend on a model."""

    use_case: str


PUBLIC = "public"
AUTHENTICATED = "authenticated"
Access = str | Gate

_ML = "/api/2.0/mlflow"
_ART = "/api/2.0/mlflow-artifacts/artifacts"

ROUTE_ACCESS: dict[str, Access] = {
    # the API description and probes
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": AUTHENTICATED,  # request counts by route: not public, not per model
    # /api/v1 models
    "POST /api/v1/models": "models.create_model",
    "GET /api/v1/models": "models.search_models",
    "GET /api/v1/models/{name}": "models.get_model",
    "PATCH /api/v1/models/{name}": "models.update_model",
    "DELETE /api/v1/models/{name}": "models.delete_model",
    "PUT /api/v1/models/{name}/tags/{key:path}": "models.set_model_tag",
    "DELETE /api/v1/models/{name}/tags/{key:path}": "models.delete_model_tag",
    "PUT /api/v1/models/{name}/aliases/{alias}": "stages.set_alias",
    "DELETE /api/v1/models/{name}/aliases/{alias}": "stages.delete_alias",
    "POST /api/v1/models/{name}/rollback": "stages.rollback",
    "GET /api/v1/models/{name}/history": "stages.stage_history",
    # /api/v1 versions
    "POST /api/v1/models/{name}/versions": "versions.create_version",
    "GET /api/v1/models/{name}/versions": "versions.list_versions",
    "GET /api/v1/versions": "versions.search_versions",
    "GET /api/v1/models/{name}/versions/{version}": "versions.get_version",
    "GET /api/v1/models/{name}/versions/{version}/manifest": "versions.get_version",
    "PATCH /api/v1/models/{name}/versions/{version}": "versions.update_version",
    "DELETE /api/v1/models/{name}/versions/{version}": "versions.delete_version",
    "PUT /api/v1/models/{name}/versions/{version}/tags/{key:path}": "versions.set_version_tag",
    "DELETE /api/v1/models/{name}/versions/{version}/tags/{key:path}": (
        "versions.delete_version_tag"
    ),
    "POST /api/v1/models/{name}/versions/{version}/transition": "stages.transition_stage",
    "GET /api/v1/models/{name}/versions/{version}/history": "stages.stage_history",
    # /api/v1 blobs: bytes by digest, before or after the version that names them
    "POST /api/v1/blobs/missing": Gate("artifacts.put_artifact"),
    "PUT /api/v1/blobs/{ref}": Gate("artifacts.put_artifact"),
    "GET /api/v1/blobs/{ref}": Gate("maintenance.blob_readable"),
    "HEAD /api/v1/blobs/{ref}": Gate("maintenance.blob_readable"),
    # /api/v1 runs, audit, maintenance
    "POST /api/v1/runs": "runs.start_run",
    "GET /api/v1/runs/{run_id}": "runs.get_run",
    "PATCH /api/v1/runs/{run_id}": "runs.update_run",
    "GET /api/v1/events": "feed.read_events",  # filtered to readable models
    "GET /api/v1/audit": "audit.audit_trail",
    "GET /api/v1/audit/verify": "audit.check_chain",
    "GET /api/v1/audit/head": "audit.audit_head",
    "GET /api/v1/audit/export": "audit.export_audit",
    # /api/v1 webhooks (admin only)
    "POST /api/v1/webhooks": "webhooks.create_webhook",
    "GET /api/v1/webhooks": "webhooks.list_webhooks",
    "GET /api/v1/webhooks/{webhook_id}": "webhooks.get_webhook",
    "PATCH /api/v1/webhooks/{webhook_id}": "webhooks.update_webhook",
    "DELETE /api/v1/webhooks/{webhook_id}": "webhooks.delete_webhook",
    "POST /api/v1/webhooks/{webhook_id}/rotate-secret": "webhooks.rotate_secret",
    "POST /api/v1/webhooks/{webhook_id}/test": "webhooks.ping_webhook",
    "GET /api/v1/webhooks/{webhook_id}/deliveries": "webhooks.list_deliveries",
    "GET /api/v1/webhooks/deliveries/{delivery_id}/attempts": "webhooks.list_attempts",
    "POST /api/v1/webhooks/deliveries/{delivery_id}/redeliver": "webhooks.redeliver",
    # /api/v1 protected aliases and approvals (approving checks the change's own right)
    "GET /api/v1/models/{name}/settings": "approvals.get_settings",
    "PATCH /api/v1/models/{name}/settings": "approvals.update_settings",
    "GET /api/v1/approvals": "approvals.list_requests",
    "GET /api/v1/models/{name}/versions/{version}/approvals": "approvals.list_requests",
    "POST /api/v1/approvals/expire": "approvals.expire_requests",
    "GET /api/v1/approvals/{request_id}": "approvals.get_request",
    "POST /api/v1/approvals/{request_id}/approve": "approvals.approve",
    "POST /api/v1/approvals/{request_id}/reject": "approvals.reject",
    # /api/v1 users, tokens and grants (one's own tokens and password need no grant)
    "POST /api/v1/users": "identity.create_user",
    "GET /api/v1/users": "identity.list_users",
    "POST /api/v1/users/{name}/disable": "identity.disable_user",
    "PUT /api/v1/users/{name}/password": "identity.set_password",
    "POST /api/v1/tokens": "identity.create_token",
    "GET /api/v1/tokens": "identity.list_tokens",
    "DELETE /api/v1/tokens/{token_id}": "identity.revoke_token",
    "POST /api/v1/grants": "identity.set_grant",
    "GET /api/v1/grants": "identity.list_grants",
    "DELETE /api/v1/grants": "identity.revoke_grant",
    "POST /api/v1/fsck": "maintenance.fsck",
    # MLflow model registry
    f"POST {_ML}/registered-models/create": "models.create_model",
    f"GET {_ML}/registered-models/get": "models.get_model",
    f"POST {_ML}/registered-models/rename": "models.rename_model",
    f"PATCH {_ML}/registered-models/update": "models.update_model",
    f"DELETE {_ML}/registered-models/delete": "models.delete_model",
    f"GET {_ML}/registered-models/search": "models.search_models",
    f"GET {_ML}/registered-models/get-latest-versions": "models.latest_versions",
    f"POST {_ML}/registered-models/get-latest-versions": "models.latest_versions",
    f"POST {_ML}/registered-models/set-tag": "models.set_model_tag",
    f"DELETE {_ML}/registered-models/delete-tag": "models.delete_model_tag",
    f"POST {_ML}/registered-models/alias": "stages.set_alias",
    f"DELETE {_ML}/registered-models/alias": "stages.delete_alias",
    f"GET {_ML}/registered-models/alias": "versions.get_version",
    f"POST {_ML}/model-versions/create": "sources.create_version_from_source",
    f"GET {_ML}/model-versions/get": "versions.get_version",
    f"PATCH {_ML}/model-versions/update": "versions.update_version",
    f"DELETE {_ML}/model-versions/delete": "versions.delete_version",
    f"GET {_ML}/model-versions/search": "versions.search_versions",
    f"POST {_ML}/model-versions/transition-stage": "stages.transition_stage",
    f"POST {_ML}/model-versions/set-tag": "versions.set_version_tag",
    f"DELETE {_ML}/model-versions/delete-tag": "versions.delete_version_tag",
    f"GET {_ML}/model-versions/get-download-uri": "versions.get_version",
    # MLflow tracking
    "GET /api/3.0/mlflow/server-info": AUTHENTICATED,
    f"POST {_ML}/experiments/create": "tracking.create_experiment",
    f"GET {_ML}/experiments/get": "tracking.get_experiment",
    f"GET {_ML}/experiments/get-by-name": "tracking.find_experiment",
    f"GET {_ML}/experiments/search": "tracking.search_experiments",
    f"POST {_ML}/experiments/search": "tracking.search_experiments",
    f"POST {_ML}/runs/create": "runs.start_run",
    f"GET {_ML}/runs/get": "runs.get_run",
    f"POST {_ML}/runs/update": "runs.update_run",
    f"POST {_ML}/runs/search": "tracking.search_runs",
    f"POST {_ML}/runs/log-metric": "runs.log_metrics",
    f"POST {_ML}/runs/log-parameter": "runs.log_params",
    f"POST {_ML}/runs/log-batch": "runs.update_run",
    f"POST {_ML}/runs/set-tag": "runs.set_run_tag",
    f"POST {_ML}/runs/delete-tag": "tracking.delete_run_tag",
    f"POST {_ML}/runs/log-inputs": "runs.log_dataset",
    f"POST {_ML}/runs/outputs": "runs.update_run",
    f"GET {_ML}/metrics/get-history": "runs.get_run",
    # MLflow artifact proxy and logged models
    f"GET {_ART}": "artifacts.list_artifacts",
    f"GET {_ART}/{{path:path}}": "artifacts.artifact_entry",
    f"PUT {_ART}/{{path:path}}": "artifacts.put_artifact",
    f"DELETE {_ART}/{{path:path}}": AUTHENTICATED,  # always refused: artifacts are immutable
    f"POST {_ML}/logged-models/search": "artifacts.search_logged_models",
    f"POST {_ML}/logged-models": "artifacts.create_logged_model",
    f"GET {_ML}/logged-models/{{model_id}}": "artifacts.get_logged_model",
    f"PATCH {_ML}/logged-models/{{model_id}}": "artifacts.update_logged_model",
    f"PATCH {_ML}/logged-models/{{model_id}}/tags": "artifacts.update_logged_model",
    f"POST {_ML}/logged-models/{{model_id}}/params": "artifacts.update_logged_model",
    # MLflow's 404 for the endpoints modelyard does not serve
    f"* {_ML}/{{rest:path}}": AUTHENTICATED,
    "* /api/3.0/mlflow/{rest:path}": AUTHENTICATED,
    "* /api/2.0/mlflow-artifacts/{rest:path}": AUTHENTICATED,
}

PUBLIC_PATHS = frozenset(k.split(" ", 1)[1] for k, v in ROUTE_ACCESS.items() if v == PUBLIC)
FALLBACK_METHODS = frozenset({"DELETE", "GET", "PATCH", "POST", "PUT"})


def route_key(method: str, path: str) -> str:
    """The table key of a route: MLflow's ajax twin shares its ``/api/2.0`` entry, and a
    catch-all route (all methods) is keyed by ``*``."""
    if path.startswith("/ajax-api/2.0/"):
        path = "/api/2.0/" + path.removeprefix("/ajax-api/2.0/")
    return f"{method} {path}"


def declared(method: str, path: str, methods: frozenset[str] | set[str]) -> Access | None:
    """The access a route declares; None when it has no entry."""
    if set(methods) >= FALLBACK_METHODS:
        return ROUTE_ACCESS.get(route_key("*", path))
    return ROUTE_ACCESS.get(route_key(method, path))


def enforce(request: Request) -> None:
    """A dependency of every router: refuse a route without an entry (once auth is on),
    and check a ``Gate`` entry's permission against the caller."""
    principal: Principal | None = request.scope.get("state", {}).get("principal")
    if principal is None:
        return  # auth off (or a public route): nothing to enforce
    route = request.scope.get("route")
    path = getattr(route, "path", "")
    methods = getattr(route, "methods", None) or {request.method}
    access = declared(request.method, path, methods)
    if access is None:
        raise PermissionDenied(f"route {request.method} {path} declares no permission")
    if isinstance(access, Gate):
        runtime = request.app.state.registry
        with runtime.context.uow(write=False) as uow:
            require(uow.repo, principal, access.use_case)


Enforced = Annotated[None, Depends(enforce)]
