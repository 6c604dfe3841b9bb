"""Audit events keyed by model id, request keys, blob references, tag index for long values

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    _audit_model_id()
    _request_keys()
    _version_blobs()
    # a btree row holds at most ~2.7 kB; a tag value may be 5000 characters, so PostgreSQL
    # indexes its md5 and the query compares both; SQLite has no such limit
    op.drop_index("ix_version_tags_kv", table_name="version_tags")
    if pg:
        op.execute("CREATE INDEX ix_version_tags_kv ON version_tags (key, md5(value))")
        op.alter_column("model_versions", "python_version", type_=sa.String(64))
        op.alter_column("runs", "python_version", type_=sa.String(64))
        # likewise a 1024-character artifact path of 3-byte characters; its uniqueness
        # moves to md5(path)
        op.execute("ALTER TABLE artifact_files DROP CONSTRAINT artifact_files_pkey")
        op.execute("CREATE UNIQUE INDEX ux_artifact_files_path ON artifact_files (md5(path))")
    else:  # SQLite does not enforce VARCHAR lengths; no table rebuild needed
        op.create_index("ix_version_tags_kv", "version_tags", ["key", "value"])


def _audit_model_id() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("model_id", sa.String(32), nullable=True))
        batch_op.add_column(
            sa.Column("hash_version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.drop_index("ix_audit_model")
        batch_op.create_index("ix_audit_model_id", ["model_id", "seq"])
    _backfill_audit_model_ids()


def _backfill_audit_model_ids() -> None:
    """Best effort: replay the model events in order, following renames and deletes."""
    bind = op.get_bind()
    rm = sa.table("registered_models", sa.column("id"), sa.column("created_at", sa.DateTime()))
    unclaimed = {str(m.id): _utc(m.created_at) for m in bind.execute(sa.select(rm))}
    live: dict[str, str] = {}
    ae = sa.table(
        "audit_events",
        sa.column("seq"),
        sa.column("at", sa.DateTime()),
        sa.column("action"),
        sa.column("model"),
        sa.column("before", sa.JSON),
    )
    events = bind.execute(sa.select(ae).order_by(ae.c.seq)).all()
    updates: list[dict[str, Any]] = []
    for e in events:
        if e.model is None:
            continue
        key = str(e.model).casefold()
        if e.action == "model.create" and unclaimed:
            # created_at and the event's time come from the same clock, microseconds apart
            at = _utc(e.at)
            mid = min(unclaimed, key=lambda i: abs((unclaimed[i] - at).total_seconds()))
            live[key] = mid
            del unclaimed[mid]
        elif e.action == "model.rename" and isinstance(e.before, dict):
            old = str(e.before.get("name", "")).casefold()
            if old in live:
                live[key] = live.pop(old)
        mid_for = live.get(key)
        if mid_for is not None:
            updates.append({"seq": e.seq, "mid": mid_for})
        if e.action == "model.delete":
            live.pop(key, None)
    if updates:
        bind.execute(sa.text("UPDATE audit_events SET model_id = :mid WHERE seq = :seq"), updates)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _request_keys() -> None:
    op.create_table(
        "request_keys",
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("attempt", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(128), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("actor", "key"),
    )
    op.create_index("ix_request_keys_created_at", "request_keys", ["created_at"])


def _version_blobs() -> None:
    op.create_table(
        "version_blobs",
        sa.Column("model_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("model_id", "version", "sha256"),
    )
    op.create_index("ix_version_blobs_sha256", "version_blobs", ["sha256"])
    op.create_index("ix_artifact_files_sha256", "artifact_files", ["sha256"])
    bind = op.get_bind()
    versions = sa.table(
        "model_versions",
        sa.column("model_id"),
        sa.column("version"),
        sa.column("manifest", sa.JSON),
    )
    rows: list[dict[str, Any]] = []
    for v in bind.execute(sa.select(versions)):
        digests = {str(entry["sha256"]) for entry in v.manifest}
        rows.extend({"model_id": v.model_id, "version": v.version, "sha256": d} for d in digests)
    if rows:
        refs = sa.table(
            "version_blobs", sa.column("model_id"), sa.column("version"), sa.column("sha256")
        )
        bind.execute(sa.insert(refs), rows)


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_version_tags_kv", table_name="version_tags")
    op.create_index("ix_version_tags_kv", "version_tags", ["key", "value"])
    if pg:
        op.execute("DROP INDEX ux_artifact_files_path")
        op.execute("ALTER TABLE artifact_files ADD PRIMARY KEY (path)")
        op.alter_column("runs", "python_version", type_=sa.String(32))
        op.alter_column("model_versions", "python_version", type_=sa.String(32))
    op.drop_index("ix_artifact_files_sha256", table_name="artifact_files")
    op.drop_index("ix_version_blobs_sha256", table_name="version_blobs")
    op.drop_table("version_blobs")
    op.drop_index("ix_request_keys_created_at", table_name="request_keys")
    op.drop_table("request_keys")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index("ix_audit_model_id")
        batch_op.create_index("ix_audit_model", ["model", "seq"])
        batch_op.drop_column("hash_version")
        batch_op.drop_column("model_id")
