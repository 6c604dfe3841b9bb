"""Users, service accounts, API tokens, grants and the audit chain on the wire.

No response here carries a password hash or a token hash; a token's secret appears only in
the response that creates it (``TokenCreated``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from modelyard.domain import names
from modelyard.domain.audit import ChainReport, Head
from modelyard.domain.identity import Grant, PrincipalKind, Role, Scope, ScopeKind, User
from modelyard.domain.tokens import ApiToken
from modelyard.wire.common import Strict


class UserCreate(Strict):
    name: str
    service: bool = False
    role: str | None = None  # a global grant made with the account


class PasswordIn(Strict):
    password: str


class UserOut(BaseModel):
    id: str
    name: str
    kind: str  # user | service
    created_at: datetime
    created_by: str
    disabled_at: datetime | None = None


class UserList(BaseModel):
    users: list[UserOut]


class TokenCreate(Strict):
    name: str
    user: str | None = None  # another user's (admins only); the caller's own without it
    expires: str | None = "90d"  # 30m, 12h, 90d, 52w or "never"


class TokenOut(BaseModel):
    id: str
    user_id: str
    name: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class TokenCreated(TokenOut):
    token: str  # the secret, shown this once


class TokenList(BaseModel):
    tokens: list[TokenOut]


class GrantIn(Strict):
    user: str
    role: str
    model: str | None = None
    prefix: str | None = None  # e.g. fraud-*


class GrantOut(BaseModel):
    user: str
    user_id: str
    role: str
    scope: str  # global | model | prefix
    model: str | None = None  # the model's current name (None once deleted)
    model_id: str | None = None
    prefix: str | None = None


class GrantList(BaseModel):
    grants: list[GrantOut]


class HeadOut(BaseModel):
    seq: int
    hash: str
    head: str  # SEQ:HASH, as `modelyard audit head` prints it


class VerifyOut(BaseModel):
    ok: bool
    events: int
    head: HeadOut
    broken_at: int | None = None
    problem: str | None = None
    expected_head: HeadOut | None = None


def user_out(u: User) -> UserOut:
    return UserOut(
        id=u.id,
        name=u.name,
        kind=u.kind.value,
        created_at=u.created_at,
        created_by=u.created_by,
        disabled_at=u.disabled_at,
    )


def user_to_domain(w: UserOut) -> User:
    return User(w.id, w.name, PrincipalKind(w.kind), w.created_at, w.created_by, w.disabled_at)


def _token_fields(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "user_id": t.user_id,
        "name": t.name,
        "created_at": t.created_at,
        "created_by": t.created_by,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


def token_out(t: ApiToken) -> TokenOut:
    return TokenOut(**_token_fields(t))


def token_created(t: ApiToken, secret: str) -> TokenCreated:
    return TokenCreated(**_token_fields(t), token=secret)


def token_to_domain(w: TokenOut) -> ApiToken:
    return ApiToken(
        w.id,
        w.user_id,
        w.name,
        "",  # hashes never leave the server
        w.created_at,
        w.created_by,
        w.expires_at,
        w.last_used_at,
        w.revoked_at,
    )


def grant_out(g: Grant) -> GrantOut:
    kind = g.scope.kind
    return GrantOut(
        user=g.user_name,
        user_id=g.user_id,
        role=g.role.label,
        scope=kind.value,
        model=g.model_name if kind is ScopeKind.MODEL else None,
        model_id=g.scope.target if kind is ScopeKind.MODEL else None,
        prefix=g.scope.target + "*" if kind is ScopeKind.PREFIX else None,
    )


def grant_to_domain(w: GrantOut) -> Grant:
    kind = ScopeKind(w.scope)
    target = w.model_id if kind is ScopeKind.MODEL else (w.prefix or "").removesuffix("*")
    scope = Scope(kind, target or "")
    return Grant(w.user_id, Role[w.role.upper()], scope, user_name=w.user, model_name=w.model)


def head_out(h: Head) -> HeadOut:
    return HeadOut(seq=h.seq, hash=h.hash, head=str(h))


def head_to_domain(w: HeadOut) -> Head:
    return Head(w.seq, w.hash)


def verify_out(r: ChainReport) -> VerifyOut:
    return VerifyOut(
        ok=r.ok,
        events=r.events,
        head=head_out(r.head),
        broken_at=r.broken_at,
        problem=r.problem,
        expected_head=head_out(r.expected_head) if r.expected_head is not None else None,
    )


def verify_to_domain(w: VerifyOut) -> ChainReport:
    expected = head_to_domain(w.expected_head) if w.expected_head is not None else None
    return ChainReport(w.events, head_to_domain(w.head), w.broken_at, w.problem, expected)


def applying_to(grants: list[Grant], model: str | None) -> list[Grant]:
    """The grants that count for a model of this name: on it, on a prefix of its name, and
    global ones; all of them when ``model`` is None."""
    if model is None:
        return grants
    key = names.name_key(names.model_name(model))

    def applies(g: Grant) -> bool:
        if g.scope.kind is ScopeKind.MODEL:
            return g.model_name is not None and names.name_key(g.model_name) == key
        return g.scope.kind is ScopeKind.GLOBAL or key.startswith(g.scope.target)

    return [g for g in grants if applies(g)]
