"""The composition root: Settings → engine, unit of work, blob store, service context."""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from modelyard.adapters.blobs.local import LocalBlobStore
from modelyard.adapters.sql.migrate import SchemaStatus, require_current, schema_status, upgrade
from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory, make_engine
from modelyard.config import Settings
from modelyard.domain.identity import Principal, Role, ScopeKind
from modelyard.errors import InvalidArgument
from modelyard.service import identity
from modelyard.service.context import Context
from modelyard.service.ports import BlobStore, SecretBox, WebhookSender


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


NO_ADMIN = (
    "authentication is on but no enabled admin exists: set MODELYARD_ADMIN_TOKEN to a secret "
    "of at least 32 characters (e.g. `openssl rand -hex 32`) to create user 'admin', then "
    "sign in with it and create personal tokens (or bind 127.0.0.1, or pass --insecure, to "
    "serve without authentication)"
)


def _has_admin(ctx: Context) -> bool:
    starter = Principal.local("bootstrap")
    enabled = {u.id for u in identity.list_users(ctx, starter) if not u.disabled}
    return any(
        g.role is Role.ADMIN and g.scope.kind is ScopeKind.GLOBAL and g.user_id in enabled
        for g in identity.list_grants(ctx, starter)
    )


def ensure_admin(settings: Settings) -> bool:
    """Before serving with auth on: create user ``admin`` from MODELYARD_ADMIN_TOKEN while no
    enabled admin exists; refuse (one line, saying how) when there is neither. True when it
    created the admin."""
    runtime = build(settings)
    try:
        token = settings.admin_token.get_secret_value() if settings.admin_token else None
        if token:
            return identity.ensure_admin(runtime.context, token)
        if not _has_admin(runtime.context):
            raise InvalidArgument(NO_ADMIN)
        return False
    finally:
        runtime.close()


def webhook_tools(settings: Settings) -> tuple[SecretBox | None, WebhookSender, timedelta]:
    """What webhooks need from the settings: the box sealing secrets (None without
    MODELYARD_SECRET_KEY), the outbound sender and the retry window."""
    from modelyard.adapters.http_sender import HttpSender
    from modelyard.adapters.secrets import FernetSecretBox

    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    hosts = [h for h in settings.webhook_allow_hosts.split(",") if h.strip()]
    box = FernetSecretBox(key) if key.strip() else None
    sender = HttpSender(allow_hosts=hosts, allow_http=settings.webhook_allow_http)
    return box, sender, timedelta(seconds=settings.webhook_retry_window_seconds)
