"""The metadata schema. Created only by the Alembic migrations in ``migrations/``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns UTC-aware datetimes on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


ID = String(32)
NAME = String(128)

registered_models = Table(
    "registered_models",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME, nullable=False),
    Column("name_key", NAME, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("next_version", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),
)
Index(
    "uq_live_model_name",
    registered_models.c.name_key,
    unique=True,
    sqlite_where=text("deleted_at IS NULL"),
    postgresql_where=text("deleted_at IS NULL"),
)

model_tags = Table(
    "model_tags",
    metadata,
    Column("model_id", ID, ForeignKey("registered_models.id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("model_id", ID, ForeignKey("registered_models.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("stage", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("manifest_digest", String(64), nullable=False),
    Column("manifest", JSON, nullable=False),
    Column("run_id", ID, nullable=True, index=True),
    Column("flavor", String(64), nullable=False),
    Column("flavor_metadata", JSON, nullable=False),
    Column("signature", JSON, nullable=True),
    Column("requirements", JSON, nullable=False),
    Column("python_version", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("idempotency_key", String(128), nullable=True),
    Column("request_digest", String(64), nullable=True),
)
Index(
    "uq_version_idempotency",
    model_versions.c.model_id,
    model_versions.c.idempotency_key,
    unique=True,
)
Index("ix_versions_stage", model_versions.c.model_id, model_versions.c.stage)

version_tags = Table(
    "version_tags",
    metadata,
    Column("model_id", ID, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)
# ix_version_tags_kv is dialect-specific and made only by migration 0003: (key, value) on
# SQLite; (key, md5(value)) on PostgreSQL, whose btree rows cannot hold a 5000-character value

aliases = Table(
    "aliases",
    metadata,
    Column("model_id", ID, ForeignKey("registered_models.id"), primary_key=True),
    Column("alias", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)

stage_changes = Table(
    "stage_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_id", ID, nullable=False, index=True),
    Column("name", NAME, nullable=False),
    Column("version", Integer, nullable=False),
    Column("from_stage", String(16), nullable=False),
    Column("to_stage", String(16), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("comment", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("experiment", String(256), nullable=False),
    Column("name", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("user", String(256), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("git_commit", String(64), nullable=True),
    Column("git_dirty", Boolean, nullable=True),
    Column("python_version", String(64), nullable=False),
    Column("packages", JSON, nullable=False),
)

run_params = Table(
    "run_params",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

run_tags = Table(
    "run_tags",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

run_metrics = Table(
    "run_metrics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=False, index=True),
    Column("key", String(250), nullable=False),
    Column("value", Float, nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
)

run_datasets = Table(
    "run_datasets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", ID, ForeignKey("runs.id"), nullable=False, index=True),
    Column("name", String(256), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("context", String(64), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("action", String(64), nullable=False),
    Column("model", NAME, nullable=True),  # the name at the time, for display
    Column("model_id", ID, nullable=True),  # what a model's trail is found by
    Column("version", Integer, nullable=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # 1: the hash covers the model name only (events before migration 0003); 2: the model id too
    Column("hash_version", Integer, nullable=False, server_default=text("1")),
)
Index("ix_audit_model_id", audit_events.c.model_id, audit_events.c.seq)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

version_blobs = Table(
    "version_blobs",
    metadata,
    Column("model_id", ID, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("sha256", String(64), primary_key=True),
)
Index("ix_version_blobs_sha256", version_blobs.c.sha256)

request_keys = Table(
    "request_keys",
    metadata,
    Column("actor", String(256), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("attempt", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", Integer, nullable=True),
    Column("content_type", String(128), nullable=True),
    Column("body", LargeBinary, nullable=True),
)
Index("ix_request_keys_created_at", request_keys.c.created_at)

# MLflow tracking protocol (migration 0002) -------------------------------------------

experiments = Table(
    "experiments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
)

artifact_files = Table(
    "artifact_files",
    metadata,
    # unique: the primary key on SQLite; on PostgreSQL a unique index on md5(path)
    # (migration 0003), since a btree row cannot hold a long multi-byte path
    Column("path", String(1024), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_artifact_files_sha256", artifact_files.c.sha256)

logged_models = Table(
    "logged_models",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("experiment_id", ID, nullable=False, index=True),
    Column("run_id", ID, nullable=True, index=True),
    Column("name", String(256), nullable=False),
    Column("model_type", String(256), nullable=False),
    Column("status", String(16), nullable=False),
    Column("artifact_root", String(1024), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("params", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
)

# Identity (migration 0004): users and service accounts, API tokens, grants ------------

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME, nullable=False),
    Column("name_key", NAME, nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("password_hash", Text, nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)

grants = Table(
    "grants",
    metadata,
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("scope_kind", String(16), primary_key=True),
    Column("target", NAME, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
)

# Protected aliases and approvals (migration 0005) --------------------------------------

model_settings = Table(
    "model_settings",
    metadata,
    Column("model_id", ID, ForeignKey("registered_models.id"), primary_key=True),
    Column("protected_aliases", JSON, nullable=False),
    Column("require_approval_production", Boolean, nullable=False),
    Column("four_eyes", Boolean, nullable=False),
    Column("request_ttl_seconds", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(256), nullable=False),
)

approval_requests = Table(
    "approval_requests",
    metadata,
    Column("id", ID, primary_key=True),
    Column("model_id", ID, ForeignKey("registered_models.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("version", Integer, nullable=True),
    Column("stage", String(16), nullable=True),
    Column("alias", String(64), nullable=True),
    Column("archive_existing", Boolean, nullable=False),
    Column("comment", Text, nullable=False),
    Column("target", String(80), nullable=False),
    Column("requested_by", String(256), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("basis", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", String(256), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decision_comment", Text, nullable=False),
)
Index("ix_approval_requests_model_target", approval_requests.c.model_id, approval_requests.c.target)
Index("ix_approval_requests_status", approval_requests.c.status)

# Webhook subscriptions and their delivery log (migration 0006) --------------------------

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("url", Text, nullable=False),
    Column("events", JSON, nullable=False),
    Column("model", String(256), nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("description", Text, nullable=False),
    Column("secret", Text, nullable=False),  # sealed with MODELYARD_SECRET_KEY
    Column("previous_secret", Text, nullable=True),
    Column("previous_until", UtcDateTime, nullable=True),
    Column("cursor", BigInteger, nullable=False),  # the last audit seq looked at
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(256), nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("subscription_id", ID, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_at", UtcDateTime, nullable=True),
    Column("window_from", UtcDateTime, nullable=False),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=False),
)
Index(
    "ix_webhook_deliveries_sub_status",
    webhook_deliveries.c.subscription_id,
    webhook_deliveries.c.status,
    webhook_deliveries.c.seq,
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("delivery_id", ID, ForeignKey("webhook_deliveries.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("status", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=False),
    Column("excerpt", Text, nullable=False),
    Column("error", Text, nullable=False),
)
