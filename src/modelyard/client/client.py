"""``modelyard.Client``: the registry from Python, embedded (in-process) or over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from modelyard.client.fetch import fetch_cached, fetch_to
from modelyard.client.progress import transfer_progress
from modelyard.client.transport import Transport
from modelyard.config import Settings
from modelyard.domain.audit import ChainReport, Head
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
from modelyard.domain.identity import Grant, User
from modelyard.domain.refs import parse_model_uri
from modelyard.domain.tokens import ApiToken
from modelyard.errors import InvalidArgument, UnsafeArtifact


def _transport(uri: str | None, settings: Settings) -> Transport:
    target = uri if uri is not None else settings.uri
    if target and target.startswith(("http://", "https://")):
        from modelyard.client.http import HttpTransport

        return HttpTransport(target, settings)
    # Only the embedded transport touches the server's internals, and only when chosen.
    from modelyard.client.embedded import open_embedded

    return open_embedded(target, settings)


class Client:
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
    ) -> ModelVersion:
        """Move a version to a stage; versions already in that stage are archived by default."""
        return self._transport.transition(name, str(version), stage, archive_existing, comment)

    def rollback(self, name: str, comment: str = "") -> ModelVersion:
        """Put the previous Production version back in Production, in one step."""
        return self._transport.rollback(name, comment)

    def stage_history(self, name: str, version: int | str | None = None) -> list[StageChange]:
        return self._transport.stage_history(name, None if version is None else str(version))

    def set_alias(self, name: str, alias: str, version: int | str) -> ModelVersion:
        return self._transport.set_alias(name, alias, str(version))

    def delete_alias(self, name: str, alias: str) -> RegisteredModel:
        """Remove an alias; returns the model as it now is."""
        return self._transport.delete_alias(name, alias)

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

    # the audit chain ---------------------------------------------------------------
    def verify_audit(self, expect_head: str | None = None) -> ChainReport:
        """Recompute the audit trail's hash chain; ``report.ok`` is False and
        ``report.broken_at`` names the first event changed, deleted, inserted or reordered.
        ``expect_head`` (``SEQ:HASH`` from :meth:`audit_head`, saved elsewhere) also
        catches a tail cut off together with the head. Needs a global admin."""
        return self._transport.verify_audit(expect_head)

    def audit_head(self) -> Head:
        """The chain's last event, ``str(head)`` is ``SEQ:HASH``: keep it outside the
        registry and pass it to :meth:`verify_audit` later."""
        return self._transport.audit_head()

    def export_audit(
        self, since: datetime | None = None, model: str | None = None
    ) -> Iterator[AuditEvent]:
        """Every event with its hashes, oldest first, streamed (never all in memory)."""
        return self._transport.export_audit(since, model)

    # users, tokens, grants ---------------------------------------------------------
    def create_user(self, name: str, *, service: bool = False, role: str | None = None) -> User:
        """Create a user, or a service account, with a global ``role`` if given (admins)."""
        return self._transport.create_user(name, service, role)

    def list_users(self) -> list[User]:
        return self._transport.list_users()

    def disable_user(self, name: str) -> None:
        """Disable a user: its tokens and password stop working at once."""
        self._transport.disable_user(name)

    def set_password(self, name: str, password: str) -> None:
        """Set a user's web UI password (one's own, or anyone's as an admin)."""
        self._transport.set_password(name, password)

    def create_token(
        self, name: str, *, user: str | None = None, expires: str | None = "90d"
    ) -> tuple[ApiToken, str]:
        """A new API token and its secret; the secret is returned this once only.
        ``expires`` is ``30m``, ``12h``, ``90d``, ``52w`` or ``"never"``."""
        return self._transport.create_token(name, user, expires)

    def list_tokens(self, user: str | None = None) -> list[ApiToken]:
        """One's own tokens, or ``user``'s as an admin; never a secret or a hash."""
        return self._transport.list_tokens(user)

    def revoke_token(self, token_id: str) -> None:
        self._transport.revoke_token(token_id)

    def set_grant(
        self, user: str, role: str, *, model: str | None = None, prefix: str | None = None
    ) -> Grant:
        """Give ``user`` a role globally, on one model, or on a name prefix (``fraud-*``)."""
        return self._transport.set_grant(user, role, model, prefix)

    def list_grants(self, user: str | None = None, model: str | None = None) -> list[Grant]:
        """Grants; with ``model``, those that apply to it (on it, a prefix of it, global)."""
        return self._transport.list_grants(user, model)

    def revoke_grant(
        self, user: str, *, model: str | None = None, prefix: str | None = None
    ) -> None:
        self._transport.revoke_grant(user, model, prefix)

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
