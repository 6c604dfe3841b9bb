"""The HTTP transport's calls for governance: protected aliases and approvals, the audit
chain, users, tokens and grants.

A mixin of :class:`~modelyard.client.http.HttpTransport`, kept apart so each module stays
small; it uses the transport's request helpers, declared here for the type checker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from modelyard import wire
from modelyard.client.exchange import as_is, decode, decode_page, request_body
from modelyard.client.exchange import seg as _seg
from modelyard.client.http_parts import TransportPart
from modelyard.domain.approvals import ApprovalRequest, ModelSettings, SettingsUpdate
from modelyard.domain.audit import ChainReport, Head
from modelyard.domain.entities import AuditEvent, Page
from modelyard.domain.identity import Grant, User
from modelyard.domain.tokens import ApiToken
from modelyard.errors import ModelyardError
from modelyard.wire.approvals import (
    ApprovalList,
    ApprovalOut,
    DecisionIn,
    ExpiredOut,
    SettingsOut,
    SettingsPatch,
    approval_to_domain,
    settings_to_domain,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
JSON = {"Content-Type": "application/json"}


class GovernanceCalls(TransportPart):
    # the audit chain ---------------------------------------------------------------
    def verify_audit(self, expect_head: str | None) -> ChainReport:
        url = "/api/v1/audit/verify"
        return self._get(wire.VerifyOut, url, wire.verify_to_domain, expect_head=expect_head)

    def audit_head(self) -> Head:
        return self._get(wire.HeadOut, "/api/v1/audit/head", wire.head_to_domain)

    def export_audit(self, since: datetime | None, model: str | None) -> Iterator[AuditEvent]:
        params = {"format": "jsonl", "since": since.isoformat() if since else None, "model": model}
        clean = {k: v for k, v in params.items() if v is not None}
        url = "/api/v1/audit/export"
        response = self._send(
            lambda: self.http.build_request("GET", url, params=clean), safe=True, stream=True
        )
        return _records(response)

    # users, tokens, grants ---------------------------------------------------------
    def create_user(self, name: str, service: bool, role: str | None) -> User:
        body = request_body(lambda: wire.UserCreate(name=name, service=service, role=role))
        return self._call(wire.UserOut, wire.user_to_domain, "POST", "/api/v1/users", body)

    def list_users(self) -> list[User]:
        return self._get(
            wire.UserList, "/api/v1/users", lambda out: [wire.user_to_domain(u) for u in out.users]
        )

    def disable_user(self, name: str) -> None:
        self._write("POST", f"/api/v1/users/{_seg(name)}/disable", None)

    def set_password(self, name: str, password: str) -> None:
        body = request_body(lambda: wire.PasswordIn(password=password))
        self._write("PUT", f"/api/v1/users/{_seg(name)}/password", body)

    def create_token(
        self, name: str, user: str | None, expires: str | None
    ) -> tuple[ApiToken, str]:
        body = request_body(lambda: wire.TokenCreate(name=name, user=user, expires=expires))
        content = body.model_dump_json()

        def build() -> httpx.Request:
            return self.http.build_request("POST", "/api/v1/tokens", content=content, headers=JSON)

        # Not sent twice: the server keeps no answer to replay (it would hold the secret),
        # so a retry would mint a second token.
        response = self._send(build, safe=False)
        return decode(
            wire.TokenCreated, response, lambda out: (wire.token_to_domain(out), out.token)
        )

    def list_tokens(self, user: str | None) -> list[ApiToken]:
        return self._get(
            wire.TokenList,
            "/api/v1/tokens",
            lambda out: [wire.token_to_domain(t) for t in out.tokens],
            user=user,
        )

    def revoke_token(self, token_id: str) -> None:
        self._write("DELETE", f"/api/v1/tokens/{quote(str(token_id), safe='')}", None)

    def set_grant(self, user: str, role: str, model: str | None, prefix: str | None) -> Grant:
        body = request_body(lambda: wire.GrantIn(user=user, role=role, model=model, prefix=prefix))
        return self._call(wire.GrantOut, wire.grant_to_domain, "POST", "/api/v1/grants", body)

    def list_grants(self, user: str | None, model: str | None) -> list[Grant]:
        return self._get(
            wire.GrantList,
            "/api/v1/grants",
            lambda out: [wire.grant_to_domain(g) for g in out.grants],
            user=user,
            model=model,
        )

    def revoke_grant(self, user: str, model: str | None, prefix: str | None) -> None:
        params = {"user": user, "model": model, "prefix": prefix}
        clean = {k: v for k, v in params.items() if v is not None}
        headers = {"Idempotency-Key": uuid.uuid4().hex}

        def build() -> httpx.Request:
            return self.http.build_request(
                "DELETE", "/api/v1/grants", params=clean, headers=headers
            )

        self._send(build, safe=True)

    # protected aliases and approvals --------------------------------------------------
    def get_settings(self, name: str) -> ModelSettings:
        return self._get(SettingsOut, f"{self._m(name)}/settings", settings_to_domain)

    def update_settings(self, name: str, update: SettingsUpdate) -> ModelSettings:
        ttl = update.request_ttl
        body = request_body(
            lambda: SettingsPatch(
                protect=list(update.protect),
                unprotect=list(update.unprotect),
                require_approval_production=update.require_approval_production,
                four_eyes=update.four_eyes,
                request_ttl_seconds=int(ttl.total_seconds()) if ttl is not None else None,
            )
        )
        url = f"{self._m(name)}/settings"
        return self._call(SettingsOut, settings_to_domain, "PATCH", url, body)

    def list_approvals(
        self,
        model: str | None,
        version: str | None,
        status: str | None,
        mine: bool,
        max_results: int,
        page_token: str | None,
    ) -> Page[ApprovalRequest]:
        out = self._get(
            ApprovalList,
            "/api/v1/approvals",
            as_is,
            model=model,
            version=version,
            status=status,
            mine="true" if mine else None,
            max_results=max_results,
            page_token=page_token,
        )
        return decode_page(out.approvals, approval_to_domain, out.next_page_token)

    def _approval_url(self, request_id: str) -> str:
        return f"/api/v1/approvals/{_seg(request_id)}"

    def get_approval(self, request_id: str) -> ApprovalRequest:
        return self._get(ApprovalOut, self._approval_url(request_id), approval_to_domain)

    def decide_approval(self, request_id: str, approve: bool, comment: str) -> ApprovalRequest:
        body = request_body(lambda: DecisionIn(comment=comment))
        url = f"{self._approval_url(request_id)}/{'approve' if approve else 'reject'}"
        return self._call(ApprovalOut, approval_to_domain, "POST", url, body)

    def expire_approvals(self) -> int:
        response = self._write("POST", "/api/v1/approvals/expire", None)
        return decode(ExpiredOut, response, lambda out: out.expired)


def _records(response: httpx.Response) -> Iterator[AuditEvent]:
    """Events from a streamed NDJSON answer, one line at a time; the answer is closed when
    the iteration ends or is abandoned."""
    try:
        for line in response.iter_lines():
            if line:
                yield _record(line)
    finally:
        response.close()


def _record(line: str) -> AuditEvent:
    try:
        return wire.event_to_domain(wire.AuditEventOut.model_validate_json(line))
    except ValueError as exc:
        raise ModelyardError(f"malformed response from server: {str(exc)[:300]}") from None
