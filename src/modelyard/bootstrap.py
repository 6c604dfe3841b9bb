"""The composition root: Settings → engine, unit of work, blob store, service context."""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from modelyard.adapters.blobs.local import LocalBlobStore
from modelyard.adapters.sql.migrate import upgrade
from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory, make_engine
from modelyard.config import Settings
from modelyard.errors import InvalidArgument
from modelyard.service.context import Context
from modelyard.service.ports import BlobStore


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def current_user(settings: Settings) -> str:
    if settings.user:
        return settings.user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


@dataclass
class Registry:
    """Everything a process needs to serve the registry: one per process."""

    engine: Engine
    blobs: BlobStore
    context: Context

    def close(self) -> None:
        self.engine.dispose()


def build_blob_store(settings: Settings) -> BlobStore:
    spec = settings.artifacts or ""
    if spec.startswith("s3://"):
        from modelyard.adapters.blobs.s3 import S3BlobStore

        return S3BlobStore(spec, settings.s3_endpoint_url)
    if spec and not spec.startswith("file://") and "://" in spec:
        raise InvalidArgument(f"unsupported artifact store {spec.split('://')[0]}://")
    return LocalBlobStore(settings.artifacts_root())


def build(settings: Settings, *, migrate: bool = True) -> Registry:
    """Open (and by default migrate) the store the settings name."""
    if settings.db is None:
        settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url(), sqlite_synchronous=settings.sqlite_synchronous)
    if migrate:
        upgrade(engine)
    blobs = build_blob_store(settings)
    ctx = Context(SqlUnitOfWorkFactory(engine), blobs, utc_now, new_id, current_user(settings))
    return Registry(engine, blobs, ctx)
