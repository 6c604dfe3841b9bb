"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware

from modelyard.api import errors
from modelyard.api.limits import BodyLimit
from modelyard.api.metrics import Metrics, observe
from modelyard.api.routes import audit, blobs, health, models, runs, versions
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
    ):
        app.include_router(router)
    app.middleware("http")(observe)
    app.add_middleware(BodyLimit)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    return app
