"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from starlette.middleware import Middleware

from modelyard.api import errors
from modelyard.api.access import enforce
from modelyard.api.auth import AuthConfig, Authenticate, parse_networks
from modelyard.api.dispatcher import dispatching, webhook_runtime
from modelyard.api.edge import EdgeGuard
from modelyard.api.idempotency import Idempotency
from modelyard.api.limits import BodyLimit
from modelyard.api.metrics import Metrics, Observe
from modelyard.api.mlflow import artifacts as mlflow_artifacts
from modelyard.api.mlflow import logged_models as mlflow_logged_models
from modelyard.api.mlflow import registry as mlflow_registry
from modelyard.api.mlflow import server as mlflow_server
from modelyard.api.mlflow import tracking as mlflow_tracking
from modelyard.api.routes import (
    admin,
    approvals,
    audit,
    blobs,
    events,
    health,
    identity,
    models,
    runs,
    versions,
    webhooks,
)
from modelyard.bootstrap import Runtime, build
from modelyard.config import DEFAULT_MAX_BLOB_BYTES, Settings

ROUTERS: tuple[APIRouter, ...] = (
    models.router,
    versions.router,
    approvals.router,
    webhooks.router,
    blobs.router,
    runs.router,
    audit.router,
    events.router,
    identity.router,
    health.router,
    admin.router,
    mlflow_registry.router,
    mlflow_server.router,
    mlflow_tracking.router,
    mlflow_artifacts.router,
    mlflow_logged_models.router,
    mlflow_server.fallback,  # last: MLflow's 404 for what modelyard lacks
)


def auth_config(settings: Settings | None) -> AuthConfig:
    if settings is None or not settings.auth:
        return AuthConfig()
    return AuthConfig(True, settings.trusted_proxy_header, parse_networks(settings.trusted_proxies))


def middleware(
    metrics: Metrics, allowed_hosts: list[str] | None, max_blob_bytes: int, auth: AuthConfig
) -> list[Middleware]:
    """Outermost first. Observe wraps everything, so every refusal gets a request id and is
    counted; the edge guard refuses before any body is read; authentication before any
    body is read too (and before a replayed Idempotency-Key is answered); limits cap what
    is read; a replayed Idempotency-Key answers from what the first request stored."""
    return [
        Middleware(Observe, metrics=metrics),
        Middleware(EdgeGuard, allowed_hosts=allowed_hosts),
        Middleware(Authenticate, config=auth),
        Middleware(BodyLimit, blob_limit=max_blob_bytes),
        Middleware(Idempotency),  # inside BodyLimit: the bodies it buffers are capped
    ]


def create_app(
    settings: Settings | None = None,
    *,
    registry: Runtime | None = None,
    allowed_hosts: list[str] | None = None,
    auth: AuthConfig | None = None,
) -> FastAPI:
    """Build the server. Pass ``registry`` to share an open store (tests, embedding), and
    ``auth`` to authenticate otherwise than the settings say."""
    if settings is None and registry is None:
        settings = Settings()
    auth = auth if auth is not None else auth_config(settings)
    max_blob = settings.max_blob_bytes if settings else DEFAULT_MAX_BLOB_BYTES

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.registry is None:
            app.state.registry = build(settings or Settings())
        dispatch = settings is not None and settings.webhook_dispatch
        async with dispatching(app.state.registry, app.state.webhooks, metrics, on=dispatch):
            yield
        if registry is None:
            app.state.registry.close()

    metrics = Metrics()
    app = FastAPI(
        title="modelyard",
        version="1",
        description="A self-hosted ML model registry: immutable, verified, audited versions.",
        lifespan=lifespan,
        middleware=middleware(metrics, allowed_hosts, max_blob, auth),
    )
    app.state.registry, app.state.metrics, app.state.auth = registry, metrics, auth
    app.state.webhooks = webhook_runtime(settings)
    errors.install(app)
    for router in ROUTERS:
        # default deny: a route without an entry in api.access.ROUTE_ACCESS is refused
        app.include_router(router, dependencies=[Depends(enforce)])
    return app
