"""``Client``'s governance calls: protected aliases and approvals, the audit chain, users,
tokens and grants. A part of :class:`~modelyard.client.client.Client`, kept apart so each
module stays small."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from modelyard.client.transport import Transport
from modelyard.domain.approvals import ApprovalRequest, ModelSettings, settings_update
from modelyard.domain.audit import ChainReport, Head
from modelyard.domain.entities import AuditEvent, Page
from modelyard.domain.identity import Grant, User
from modelyard.domain.tokens import ApiToken


class GovernanceMethods:
    _transport: Transport

    # protected aliases and approvals --------------------------------------------------
    def model_settings(self, name: str) -> ModelSettings:
        """The model's protected aliases and approval requirements."""
        return self._transport.get_settings(name)

    def update_model_settings(
        self,
        name: str,
        *,
        protect: Iterable[str] = (),
        unprotect: Iterable[str] = (),
        require_approval_production: bool | None = None,
        four_eyes: bool | None = None,
        request_ttl_seconds: int | None = None,
    ) -> ModelSettings:
        """Protect aliases, require approval for Production, require four eyes (another
        person approves every protected change), or set how long requests stay open.
        Arguments left out keep their value. Needs maintainer on the model; audited."""
        update = settings_update(
            list(protect),
            list(unprotect),
            require_approval_production,
            four_eyes,
            request_ttl_seconds,
        )
        return self._transport.update_settings(name, update)

    def approvals(
        self,
        model: str | None = None,
        version: int | str | None = None,
        *,
        status: str | None = None,
        mine: bool = False,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[ApprovalRequest]:
        """Approval requests, newest first: of a model or one version, in a status
        (pending, approved, rejected, expired, superseded), or only the caller's own."""
        ref = None if version is None else str(version)
        return self._transport.list_approvals(model, ref, status, mine, max_results, page_token)

    def get_approval(self, request_id: str) -> ApprovalRequest:
        return self._transport.get_approval(request_id)

    def approve(self, request_id: str, comment: str = "") -> ApprovalRequest:
        """Approve a request and carry its change out; never one's own request."""
        return self._transport.decide_approval(request_id, True, comment)

    def reject(self, request_id: str, comment: str = "") -> ApprovalRequest:
        """Reject a request (or withdraw one's own)."""
        return self._transport.decide_approval(request_id, False, comment)

    def expire_approvals(self) -> int:
        """Record pending requests past their expiry as expired (audited); how many."""
        return self._transport.expire_approvals()

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
