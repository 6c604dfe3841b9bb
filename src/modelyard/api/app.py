"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware

from modelyard.api import errors
from modelyard.api.idempotency import Idempotency
from modelyard.api.limits import BodyLimit
from modelyard.api.metrics import Metrics, Observe
from modelyard.api.mlflow import artifacts as mlflow_artifacts
from modelyard.api.mlflow import logged_models as mlflow_logged_models
from modelyard.api.mlflow import registry as mlflow_registry
from modelyard.api.mlflow import server as mlflow_server
from modelyard.api.mlflow import tracking as mlflow_tracking
from modelyard.api.routes import admin, audit, blobs, health, models, runs, versions
from modelyard.bootstrap import Registry, build
from modelyard.config import Settings


def create_app(
    settings: Settings | None = None,
    *,
    registry: Registry | None = None,
    allowed_hosts: list[str] | None = None,
) -> FastAPI:
    """Build the server. Pass ``registry`` to share an open store (tests, embedding)."""
    owned = registry is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.registry is None:
            app.state.registry = build(settings or Settings())
        yield
        if owned:
            app.state.registry.close()

    app = FastAPI(
        title="modelyard",
        version="1",
        description="A self-hosted ML model registry: immutable, verified, audited versions.",
        lifespan=lifespan,
    )
    app.state.registry = registry
    app.state.metrics = Metrics()
    errors.install(app)
    for router in (
        models.router,
        versions.router,
        blobs.router,
        runs.router,
        audit.router,
        health.router,
        admin.router,
        mlflow_registry.router,
        mlflow_server.router,
        mlflow_tracking.router,
        mlflow_artifacts.router,
        mlflow_logged_models.router,
        mlflow_server.fallback,  # last: MLflow's 404 for what modelyard lacks
    ):
        app.include_router(router)
    app.add_middleware(Idempotency)  # inside BodyLimit: the bodies it buffers are capped
    app.add_middleware(BodyLimit)
    # outermost: 413s get a request id and are counted
    app.add_middleware(Observe, metrics=app.state.metrics)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    return app
