"""The composition root: Settings → engine, unit of work, blob store, service context."""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from modelyard.adapters.blobs.local import LocalBlobStore
from modelyard.adapters.sql.migrate import SchemaStatus, require_current, schema_status, upgrade
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
class Runtime:
    """The composed runtime: engine, blob store and service context, one per process."""

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


def open_engine(settings: Settings) -> Engine:
    """The engine of the settings' database (the embedded store's folder is made if needed)."""
    if settings.db is None:
        settings.home.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.db_url(), sqlite_synchronous=settings.sqlite_synchronous)


def prepare_schema(engine: Engine, *, migrate: bool) -> SchemaStatus:
    """Migrate to head (a cheap check when already there), or only require head."""
    return upgrade(engine) if migrate else require_current(engine)


def prepare_store(settings: Settings, *, migrate: bool) -> SchemaStatus:
    """Migrate (or only check) the settings' database once and let it go: what start-up
    and ``modelyard db upgrade`` do before anything is served."""
    engine = open_engine(settings)
    try:
        return prepare_schema(engine, migrate=migrate)
    finally:
        engine.dispose()


def store_schema(settings: Settings) -> SchemaStatus:
    """The settings' database revision beside this code's head; reads only."""
    engine = open_engine(settings)
    try:
        return schema_status(engine)
    finally:
        engine.dispose()


def build(settings: Settings, *, migrate: bool | None = None) -> Runtime:
    """Open the store the settings name, migrating it unless ``migrate`` (by default
    ``settings.migrate``) is off, in which case its schema must already be current."""
    blobs = build_blob_store(settings)
    engine = open_engine(settings)
    try:
        prepare_schema(engine, migrate=settings.migrate if migrate is None else migrate)
    except BaseException:
        engine.dispose()
        raise
    ctx = Context(SqlUnitOfWorkFactory(engine), blobs, utc_now, new_id, current_user(settings))
    return Runtime(engine, blobs, ctx)
