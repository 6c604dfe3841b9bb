"""The embedded transport: calls the service in-process on a local store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from modelyard.bootstrap import Runtime, build, webhook_tools
from modelyard.config import Settings
from modelyard.domain.approvals import ApprovalRequest, ModelSettings, SettingsUpdate
from modelyard.domain.audit import ChainReport, Head
from modelyard.domain.entities import (
    AuditEvent,
    Dataset,
    Metric,
    ModelVersion,
    NewVersion,
    Page,
    RegisteredModel,
    Run,
    StageChange,
)
from modelyard.domain.events import RegistryEvent
from modelyard.domain.fsck import FsckReport
from modelyard.domain.identity import Grant, User
from modelyard.domain.lineage import RunSpec
from modelyard.domain.streams import Readable, ReadStream
from modelyard.domain.tokens import ApiToken
from modelyard.domain.webhooks import Attempt, AttemptResult, Delivery, Subscription
from modelyard.errors import Unavailable
from modelyard.service import (
    approvals,
    audit,
    feed,
    identity,
    maintenance,
    models,
    runs,
    stages,
    versions,
    webhooks,
)
from modelyard.service.ports import SecretBox, WebhookSender
from modelyard.service.webhooks import WebhookChange, WebhookSpec
from modelyard.wire import applying_to


class EmbeddedTransport:
    local = True

    def __init__(self, registry: Runtime, settings: Settings | None = None) -> None:
        self.registry = registry
        self.ctx = registry.context
        self.user = self.ctx.actor
        self.settings = settings

    def _hooks(self) -> tuple[SecretBox, WebhookSender]:
        """The secret box and sender of the settings: the embedded store manages
        subscriptions; a server on the same store delivers them."""
        box, sender, _window = webhook_tools(self.settings or Settings())
        if box is None:
            raise Unavailable("webhooks need MODELYARD_SECRET_KEY (it seals their secrets)")
        return box, sender

    def create_model(self, name: str, description: str, tags: dict[str, str]) -> RegisteredModel:
        return models.create_model(self.ctx, name, description, tags)

    def get_model(self, name: str) -> RegisteredModel:
        return models.get_model(self.ctx, name)

    def search_models(
        self,
        filter: str | None,
        max_results: int,
        page_token: str | None,
        order_by: list[str] | None = None,
    ) -> Page[RegisteredModel]:
        return models.search_models(self.ctx, filter, max_results, page_token, order_by)

    def rename_model(self, name: str, new_name: str) -> RegisteredModel:
        return models.rename_model(self.ctx, name, new_name)

    def update_model(self, name: str, description: str) -> RegisteredModel:
        return models.update_model(self.ctx, name, description)

    def delete_model(self, name: str) -> None:
        models.delete_model(self.ctx, name)

    def set_model_tag(self, name: str, key: str, value: str) -> RegisteredModel:
        return models.set_model_tag(self.ctx, name, key, value)

    def delete_model_tag(self, name: str, key: str) -> RegisteredModel:
        return models.delete_model_tag(self.ctx, name, key)

    def create_version(self, name: str, spec: NewVersion, idempotency_key: str) -> ModelVersion:
        return versions.create_version(self.ctx, name, spec, idempotency_key=idempotency_key)

    def get_version(self, name: str, ref: str) -> ModelVersion:
        return versions.get_version(self.ctx, name, ref)

    def search_versions(
        self,
        filter: str | None,
        max_results: int,
        page_token: str | None,
        order_by: list[str] | None = None,
    ) -> Page[ModelVersion]:
        return versions.search_versions(self.ctx, filter, max_results, page_token, order_by)

    def update_version(self, name: str, ref: str, description: str) -> ModelVersion:
        return versions.update_version(self.ctx, name, ref, description)

    def delete_version(self, name: str, ref: str) -> None:
        versions.delete_version(self.ctx, name, ref)

    def set_version_tag(self, name: str, ref: str, key: str, value: str) -> ModelVersion:
        return versions.set_version_tag(self.ctx, name, ref, key, value)

    def delete_version_tag(self, name: str, ref: str, key: str) -> ModelVersion:
        return versions.delete_version_tag(self.ctx, name, ref, key)

    def transition(
        self, name: str, ref: str, stage: str, archive_existing: bool, comment: str
    ) -> ModelVersion:
        return stages.transition_stage(self.ctx, name, ref, stage, archive_existing, comment)

    def rollback(self, name: str, comment: str) -> ModelVersion:
        return stages.rollback(self.ctx, name, comment)

    def stage_history(self, name: str, ref: str | None) -> list[StageChange]:
        return stages.stage_history(self.ctx, name, ref)

    def set_alias(self, name: str, alias: str, ref: str) -> ModelVersion:
        return stages.set_alias(self.ctx, name, alias, ref)

    def delete_alias(self, name: str, alias: str) -> RegisteredModel:
        return stages.delete_alias(self.ctx, name, alias)

    def audit(
        self, model: str | None, since: datetime | None, max_results: int, page_token: str | None
    ) -> Page[AuditEvent]:
        return audit.audit_trail(self.ctx, model, since, max_results, page_token)

    def start_run(self, spec: RunSpec) -> Run:
        return runs.start_run(self.ctx, spec)

    def get_run(self, run_id: str) -> Run:
        return runs.get_run(self.ctx, run_id)

    def log_params(self, run_id: str, params: dict[str, object]) -> None:
        runs.log_params(self.ctx, run_id, params)

    def log_metrics(self, run_id: str, metrics: list[Metric]) -> None:
        runs.log_metrics(self.ctx, run_id, metrics)

    def log_dataset(self, run_id: str, dataset: Dataset) -> None:
        runs.log_dataset(self.ctx, run_id, dataset)

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        runs.set_run_tag(self.ctx, run_id, key, value)

    def end_run(self, run_id: str, status: str) -> Run:
        return runs.end_run(self.ctx, run_id, status)

    def missing_blobs(self, digests: Iterable[str]) -> set[str]:
        return self.ctx.blobs.missing(digests)

    def upload_blob(self, digest: str, stream: Readable, size: int) -> None:
        self.ctx.blobs.put(stream, expected=digest)

    def open_blob(self, digest: str) -> ReadStream:
        return self.ctx.blobs.open(digest)

    def fsck(self) -> FsckReport:
        return maintenance.fsck(self.ctx)

    # the audit chain ---------------------------------------------------------------
    def verify_audit(self, expect_head: str | None) -> ChainReport:
        return audit.check_chain(self.ctx, expect_head)

    def audit_head(self) -> Head:
        return audit.audit_head(self.ctx)

    def export_audit(self, since: datetime | None, model: str | None) -> Iterator[AuditEvent]:
        return audit.export_audit(self.ctx, since, model)

    def read_events(
        self, after: int, model: str | None, types: list[str] | None, wait: float
    ) -> tuple[list[RegistryEvent], int]:
        page = feed.wait_events(self.ctx, feed.feed_query(after, model, types, wait))
        return page.events, page.next

    # users, tokens, grants ---------------------------------------------------------
    def create_user(self, name: str, service: bool, role: str | None) -> User:
        return identity.create_user(self.ctx, self.ctx.caller, name, service=service, role=role)

    def list_users(self) -> list[User]:
        return identity.list_users(self.ctx, self.ctx.caller)

    def disable_user(self, name: str) -> None:
        identity.disable_user(self.ctx, self.ctx.caller, name)

    def set_password(self, name: str, password: str) -> None:
        identity.set_password(self.ctx, self.ctx.caller, name, password)

    def create_token(
        self, name: str, user: str | None, expires: str | None
    ) -> tuple[ApiToken, str]:
        return identity.create_token(self.ctx, self.ctx.caller, name, user=user, expires=expires)

    def list_tokens(self, user: str | None) -> list[ApiToken]:
        return identity.list_tokens(self.ctx, self.ctx.caller, user)

    def revoke_token(self, token_id: str) -> None:
        identity.revoke_token(self.ctx, self.ctx.caller, token_id)

    def set_grant(self, user: str, role: str, model: str | None, prefix: str | None) -> Grant:
        caller = self.ctx.caller
        return identity.set_grant(self.ctx, caller, user, role, model=model, prefix=prefix)

    def list_grants(self, user: str | None, model: str | None) -> list[Grant]:
        return applying_to(identity.list_grants(self.ctx, self.ctx.caller, user), model)

    def revoke_grant(self, user: str, model: str | None, prefix: str | None) -> None:
        identity.revoke_grant(self.ctx, self.ctx.caller, user, model=model, prefix=prefix)

    def get_settings(self, name: str) -> ModelSettings:
        return approvals.get_settings(self.ctx, name)

    def update_settings(self, name: str, update: SettingsUpdate) -> ModelSettings:
        return approvals.update_settings(self.ctx, name, update)

    def list_approvals(
        self,
        model: str | None,
        version: str | None,
        status: str | None,
        mine: bool,
        max_results: int,
        page_token: str | None,
    ) -> Page[ApprovalRequest]:
        return approvals.list_requests(
            self.ctx, model, version, status, mine, max_results, page_token
        )

    def get_approval(self, request_id: str) -> ApprovalRequest:
        return approvals.get_request(self.ctx, request_id)

    def decide_approval(self, request_id: str, approve: bool, comment: str) -> ApprovalRequest:
        decide = approvals.approve if approve else approvals.reject
        return decide(self.ctx, request_id, comment)

    def expire_approvals(self) -> int:
        return approvals.expire_requests(self.ctx)

    # webhooks -------------------------------------------------------------------------
    def create_webhook(
        self,
        url: str,
        events: list[str],
        model: str | None,
        description: str,
        secret: str | None,
    ) -> tuple[Subscription, str | None]:
        box, sender = self._hooks()
        spec = WebhookSpec(url, events, model, description, secret)
        created = webhooks.create_webhook(self.ctx, box, sender, spec)
        return created.subscription, created.secret

    def list_webhooks(self) -> list[Subscription]:
        return webhooks.list_webhooks(self.ctx)

    def get_webhook(self, webhook_id: str) -> Subscription:
        return webhooks.get_webhook(self.ctx, webhook_id)

    def update_webhook(
        self,
        webhook_id: str,
        url: str | None,
        events: list[str] | None,
        model: str | None,
        all_models: bool,
        enabled: bool | None,
        description: str | None,
    ) -> Subscription:
        change = WebhookChange(url, events, model, all_models, enabled, description)
        return webhooks.update_webhook(self.ctx, self._hooks()[1], webhook_id, change)

    def delete_webhook(self, webhook_id: str) -> None:
        webhooks.delete_webhook(self.ctx, webhook_id)

    def rotate_webhook_secret(
        self, webhook_id: str, secret: str | None, grace_seconds: int
    ) -> str | None:
        grace = timedelta(seconds=grace_seconds)
        return webhooks.rotate_secret(self.ctx, self._hooks()[0], webhook_id, secret, grace)

    def ping_webhook(self, webhook_id: str) -> AttemptResult:
        box, sender = self._hooks()
        return webhooks.ping_webhook(self.ctx, box, sender, webhook_id)

    def webhook_deliveries(self, webhook_id: str, limit: int) -> list[Delivery]:
        return webhooks.list_deliveries(self.ctx, webhook_id, limit)

    def delivery_attempts(self, delivery_id: str) -> list[Attempt]:
        return webhooks.list_attempts(self.ctx, delivery_id)

    def redeliver(self, delivery_id: str) -> Delivery:
        return webhooks.redeliver(self.ctx, delivery_id)

    def close(self) -> None:
        self.registry.close()


def open_embedded(target: str | None, settings: Settings) -> EmbeddedTransport:
    """The store at ``target`` (a path or ``file://`` URI), else the configured home."""
    if target:
        path = Path(target.removeprefix("file://"))
        settings = settings.model_copy(update={"home": path})
    return EmbeddedTransport(build(settings), settings)
