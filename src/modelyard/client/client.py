"""``modelyard.Client``: the registry from Python, embedded (in-process) or over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from modelyard.client.events import EventMethods
from modelyard.client.fetch import fetch_cached, fetch_to
from modelyard.client.governance import GovernanceMethods
from modelyard.client.progress import transfer_progress
from modelyard.client.transport import Transport
from modelyard.client.webhooks import WebhookMethods
from modelyard.config import Settings
from modelyard.domain.approvals import ApprovalRequest
from modelyard.domain.digests import sha256_hex
from modelyard.domain.entities import (
    AuditEvent,
    ModelVersion,
    NewVersion,
    Page,
    RegisteredModel,
    Run,
    StageChange,
)
from modelyard.domain.filters import name_equals
from modelyard.domain.fsck import FsckReport
from modelyard.domain.refs import parse_model_uri
from modelyard.errors import ApprovalPending, InvalidArgument, UnsafeArtifact


def _transport(uri: str | None, settings: Settings) -> Transport:
    target = uri if uri is not None else settings.uri
    if target and target.startswith(("http://", "https://")):
        from modelyard.client.http import HttpTransport

        return HttpTransport(target, settings)
    # Only the embedded transport touches the server's internals, and only when chosen.
    from modelyard.client.embedded import open_embedded

    return open_embedded(target, settings)


class Client(GovernanceMethods, EventMethods, WebhookMethods):
    """The registry's operations. ``Client()`` uses ``MODELYARD_URI``, else ``./modelyard``."""

    def __init__(
        self,
        uri: str | None = None,
        *,
        transport: Transport | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._transport = transport or _transport(uri, self.settings)

    @property
    def transport(self) -> Transport:
        return self._transport

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # registered models -------------------------------------------------------------
    def create_model(
        self, name: str, description: str = "", tags: dict[str, str] | None = None
    ) -> RegisteredModel:
        """Register a new model name (unique, ignoring case)."""
        return self._transport.create_model(name, description, tags or {})

    def get_model(self, name: str) -> RegisteredModel:
        return self._transport.get_model(name)

    def search_models(
        self,
        filter: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
        order_by: list[str] | None = None,
    ) -> Page[RegisteredModel]:
        """Models matching a filter such as ``name LIKE '%fraud%' AND tags.team = 'risk'``.

        ``order_by`` takes clauses such as ``["updated_at DESC"]`` (fields ``name``,
        ``created_at``, ``updated_at``); models come by name without it.
        """
        return self._transport.search_models(filter, max_results, page_token, order_by)

    def rename_model(self, name: str, new_name: str) -> RegisteredModel:
        return self._transport.rename_model(name, new_name)

    def update_model(self, name: str, description: str) -> RegisteredModel:
        return self._transport.update_model(name, description)

    def delete_model(self, name: str) -> None:
        """Soft-delete a model and its versions (audited; blobs stay until GC)."""
        self._transport.delete_model(name)

    def set_model_tag(self, name: str, key: str, value: str) -> RegisteredModel:
        """Set a tag on a model; returns the model as it now is."""
        return self._transport.set_model_tag(name, key, value)

    def delete_model_tag(self, name: str, key: str) -> RegisteredModel:
        """Remove a tag from a model; returns the model as it now is."""
        return self._transport.delete_model_tag(name, key)

    # versions ----------------------------------------------------------------------
    def create_version(
        self, name: str, spec: NewVersion, idempotency_key: str | None = None
    ) -> ModelVersion:
        """Create a version from a manifest whose blobs are already stored."""
        return self._transport.create_version(name, spec, idempotency_key or uuid.uuid4().hex)

    def get_version(self, name: str, version: int | str) -> ModelVersion:
        """A version by number, ``latest``, a stage name, or ``@alias``."""
        return self._transport.get_version(name, str(version))

    def get_version_by_uri(self, uri: str) -> ModelVersion:
        parsed = parse_model_uri(uri)
        return self._transport.get_version(parsed.name, str(parsed.ref))

    def search_versions(
        self,
        filter: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
        order_by: list[str] | None = None,
    ) -> Page[ModelVersion]:
        """Versions across models, e.g. ``name = 'Fraud' AND tags.owner = 'alice'``.

        ``order_by`` takes clauses such as ``["created_at DESC"]`` (fields ``name``,
        ``version``, ``created_at``, ``updated_at``, ``stage``); without it versions come by
        model name, newest first.
        """
        return self._transport.search_versions(filter, max_results, page_token, order_by)

    def list_versions(self, name: str) -> list[ModelVersion]:
        """Every live version of one model, newest first."""
        return self.search_all_versions(name_equals(self.get_model(name).name))

    def search_all_versions(self, filter: str | None = None) -> list[ModelVersion]:
        items: list[ModelVersion] = []
        token: str | None = None
        while True:
            page = self.search_versions(filter, 1000, token)
            items.extend(page.items)
            if not page.next_page_token:
                return items
            token = page.next_page_token

    def update_version(self, name: str, version: int | str, description: str) -> ModelVersion:
        return self._transport.update_version(name, str(version), description)

    def delete_version(self, name: str, version: int | str) -> None:
        """Soft-delete a version; its number is never reused."""
        self._transport.delete_version(name, str(version))

    def set_version_tag(self, name: str, version: int | str, key: str, value: str) -> ModelVersion:
        """Tag the version ``version`` names now (a number, ``latest``, a stage or
        ``@alias``, resolved once by the server); returns it as it now is."""
        return self._transport.set_version_tag(name, str(version), key, value)

    def delete_version_tag(self, name: str, version: int | str, key: str) -> ModelVersion:
        """Remove a tag from a version; returns it as it now is."""
        return self._transport.delete_version_tag(name, str(version), key)

    # stages and aliases ------------------------------------------------------------
    def transition(
        self,
        name: str,
        version: int | str,
        stage: str,
        archive_existing: bool = True,
        comment: str = "",
    ) -> ModelVersion | ApprovalRequest:
        """Move a version to a stage; versions already in that stage are archived by default.

        When the model requires approval for the move (see ``update_model_settings``) nothing
        moves: the approval request holding it, comment included, is returned instead.
        """
        try:
            return self._transport.transition(name, str(version), stage, archive_existing, comment)
        except ApprovalPending as exc:
            return _held(exc)

    def rollback(self, name: str, comment: str = "") -> ModelVersion:
        """Put the previous Production version back in Production, in one step."""
        return self._transport.rollback(name, comment)

    def stage_history(self, name: str, version: int | str | None = None) -> list[StageChange]:
        return self._transport.stage_history(name, None if version is None else str(version))

    def set_alias(
        self, name: str, alias: str, version: int | str
    ) -> ModelVersion | ApprovalRequest:
        """Point an alias at a version; for a protected alias that needs approval, the
        approval request is returned instead and the alias stays."""
        try:
            return self._transport.set_alias(name, alias, str(version))
        except ApprovalPending as exc:
            return _held(exc)

    def delete_alias(self, name: str, alias: str) -> RegisteredModel | ApprovalRequest:
        """Remove an alias and return the model as it now is; when the alias is protected
        and the removal needs approval, the approval request is returned instead."""
        try:
            return self._transport.delete_alias(name, alias)
        except ApprovalPending as exc:
            return _held(exc)

    def audit(
        self,
        model: str | None = None,
        since: datetime | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[AuditEvent]:
        """The audit trail: who did what, when, before → after."""
        return self._transport.audit(model, since, max_results, page_token)

    def full_audit(
        self, model: str | None = None, since: datetime | None = None
    ) -> list[AuditEvent]:
        events: list[AuditEvent] = []
        token: str | None = None
        while True:
            page = self.audit(model, since, 1000, token)
            events.extend(page.items)
            if not page.next_page_token:
                return events
            token = page.next_page_token

    def get_run(self, run_id: str) -> Run:
        return self._transport.get_run(run_id)

    def fsck(self) -> FsckReport:
        """Verify every referenced blob against its digest, and the audit chain."""
        return self._transport.fsck()

    # files -------------------------------------------------------------------------
    def download(self, uri: str, dest: Path | None = None, *, progress: bool | None = None) -> Path:
        """Fetch a version's files, each verified against its digest; cached by digest.

        Without ``dest`` the files land in the private cache, in a folder named by the
        manifest digest. An explicit ``dest`` must not exist yet or be an empty folder; the
        files appear there all at once, after every one of them verified.
        """
        return self._materialise(self.get_version_by_uri(uri), dest, progress)

    def _materialise(self, mv: ModelVersion, dest: Path | None, progress: bool | None) -> Path:
        total = mv.manifest.total_size
        with transfer_progress(f"{mv.name} v{mv.version}", total, progress) as bar:
            if dest is not None:
                return fetch_to(self._transport, mv.manifest, Path(dest), bar)
            cache = self.settings.cache_root(remote=not self._transport.local)
            return fetch_cached(self._transport, mv.manifest, cache, bar)

    def load_model(
        self, uri: str, *, allow_pickle: bool | str = False, trusted_types: Iterable[str] = ()
    ) -> Any:
        """Load ``models:/NAME/…``, every file verified first; the result has ``predict``.

        A pickle-based model (cloudpickle) runs code when loaded, so it loads only with
        ``allow_pickle``. Prefer ``allow_pickle="sha256:<manifest digest>"`` over ``True``:
        ``models:/NAME@champion`` or ``/Production`` names whatever version the alias or
        stage points at when the call runs, and moving those is a registry write anyone
        with write access can make. With a digest, only the version you reviewed may be
        unpickled; any other is refused before a single file is read.

        scikit-learn models stored with skops load only if every type in the file is on
        modelyard's allowlist (each checked structurally); ``trusted_types`` names further
        types, fully qualified, that you accept without those checks.
        """
        from modelyard.flavors import load_model as load_flavor

        if not isinstance(uri, str):
            raise InvalidArgument("model URI must be a string")
        mv = self.get_version_by_uri(uri)
        permitted = _pickle_permitted(allow_pickle, mv)
        root = self._materialise(mv, None, None)
        return load_flavor(
            root, allow_pickle=permitted, trusted_types=trusted_types, manifest=mv.manifest
        )


def _held(exc: ApprovalPending) -> ApprovalRequest:
    if not isinstance(exc.request, ApprovalRequest):
        raise exc
    return exc.request


def _pickle_permitted(allow_pickle: bool | str, mv: ModelVersion) -> bool:
    """Whether this version may be unpickled; UnsafeArtifact if a pinned digest differs."""
    if isinstance(allow_pickle, bool):
        return allow_pickle
    if not isinstance(allow_pickle, str) or not allow_pickle.startswith("sha256:"):
        raise InvalidArgument('allow_pickle must be True, False or "sha256:<manifest digest>"')
    if sha256_hex(allow_pickle) != mv.manifest.digest:
        raise UnsafeArtifact(
            f"allow_pickle permits sha256:{sha256_hex(allow_pickle)}, but {mv.name} "
            f"v{mv.version} has manifest digest sha256:{mv.manifest.digest}; not loading it"
        )
    return True
