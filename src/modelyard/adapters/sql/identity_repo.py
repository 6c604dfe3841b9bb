"""SqlRepository's part for identity: users and service accounts, API tokens, grants.

``readable_where`` compiles a principal's ReadScope to a condition on registered_models, so
searches filter in SQL and their counts and pages cover only what the caller may read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, false, insert, or_, select, true, update
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.domain import names
from modelyard.domain.identity import (
    Grant,
    PrincipalKind,
    ReadScope,
    Role,
    Scope,
    ScopeKind,
    User,
    parse_role,
)
from modelyard.domain.tokens import ApiToken
from modelyard.errors import AlreadyExists, NotFound

_u, _tok, _g, _m = t.users, t.api_tokens, t.grants, t.registered_models


def readable_where(scope: ReadScope) -> ColumnElement[bool]:
    """Rows of registered_models the scope admits (the same rule as ReadScope.admits)."""
    if scope.all:
        return true()
    conds: list[ColumnElement[bool]] = []
    if scope.model_ids:
        conds.append(_m.c.id.in_(sorted(scope.model_ids)))
    # name_key and prefixes are case-folded; autoescape keeps '_' and '%' literal
    conds.extend(_m.c.name_key.startswith(p, autoescape=True) for p in scope.prefixes)
    return or_(*conds) if conds else false()


def _user(r: Row[Any]) -> User:
    return User(
        id=r.id,
        name=r.name,
        kind=PrincipalKind(r.kind),
        created_at=r.created_at,
        created_by=r.created_by,
        disabled_at=r.disabled_at,
        password_hash=r.password_hash,
    )


def _token(r: Row[Any]) -> ApiToken:
    return ApiToken(
        id=r.id,
        user_id=r.user_id,
        name=r.name,
        hash=r.hash,
        created_at=r.created_at,
        created_by=r.created_by,
        expires_at=r.expires_at,
        last_used_at=r.last_used_at,
        revoked_at=r.revoked_at,
    )


def _scope_key(user_id: str, scope: Scope) -> ColumnElement[bool]:
    return (
        (_g.c.user_id == user_id)
        & (_g.c.scope_kind == scope.kind.value)
        & (_g.c.target == scope.target)
    )


class IdentityRepositoryMixin(RepoBase):
    # users -------------------------------------------------------------------------
    def add_user(self, user: User) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(_u).values(
                        id=user.id,
                        name=user.name,
                        name_key=names.name_key(user.name),
                        kind=user.kind.value,
                        created_at=user.created_at,
                        created_by=user.created_by,
                        disabled_at=user.disabled_at,
                        password_hash=user.password_hash,
                    )
                )
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"a user named {user.name!r} already exists") from None

    def get_user(self, name: str) -> User:
        row = self.conn.execute(select(_u).where(_u.c.name_key == names.name_key(name))).first()
        if row is None:
            raise NotFound(f"user {name!r} does not exist")
        return _user(row)

    def get_user_by_id(self, user_id: str) -> User:
        row = self.conn.execute(select(_u).where(_u.c.id == user_id)).first()
        if row is None:
            raise NotFound(f"user id {user_id!r} does not exist")
        return _user(row)

    def list_users(self, offset: int, limit: int) -> list[User]:
        q = select(_u).order_by(_u.c.name_key).offset(offset).limit(limit)
        return [_user(r) for r in self.conn.execute(q)]

    def disable_user(self, user_id: str, at: datetime) -> None:
        self.conn.execute(update(_u).where(_u.c.id == user_id).values(disabled_at=at))

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        self.conn.execute(update(_u).where(_u.c.id == user_id).values(password_hash=password_hash))

    # tokens ------------------------------------------------------------------------
    def add_token(self, token: ApiToken) -> None:
        with self._unique(f"token {token.id!r}"):
            self.conn.execute(
                insert(_tok).values(
                    id=token.id,
                    user_id=token.user_id,
                    name=token.name,
                    hash=token.hash,
                    created_at=token.created_at,
                    created_by=token.created_by,
                    expires_at=token.expires_at,
                    last_used_at=token.last_used_at,
                    revoked_at=token.revoked_at,
                )
            )

    def get_token(self, token_id: str) -> ApiToken:
        row = self.conn.execute(select(_tok).where(_tok.c.id == token_id)).first()
        if row is None:
            raise NotFound(f"token {token_id!r} does not exist")
        return _token(row)

    def list_tokens(self, user_id: str | None) -> list[ApiToken]:
        q = select(_tok).order_by(_tok.c.created_at, _tok.c.id)
        if user_id is not None:
            q = q.where(_tok.c.user_id == user_id)
        return [_token(r) for r in self.conn.execute(q)]

    def revoke_token(self, token_id: str, at: datetime) -> None:
        q = update(_tok).where(_tok.c.id == token_id, _tok.c.revoked_at.is_(None))
        self.conn.execute(q.values(revoked_at=at))

    def touch_token(self, token_id: str, at: datetime, stale_before: datetime) -> bool:
        first = update(_tok).where(_tok.c.id == token_id, _tok.c.last_used_at.is_(None))
        if self.conn.execute(first.values(last_used_at=at)).rowcount:
            return True
        later = update(_tok).where(_tok.c.id == token_id, _tok.c.last_used_at < stale_before)
        self.conn.execute(later.values(last_used_at=at))
        return False

    # grants ------------------------------------------------------------------------
    def set_grant(self, grant: Grant, at: datetime, by: str) -> Role | None:
        key = _scope_key(grant.user_id, grant.scope)
        q = select(_g.c.role).where(key)
        if self.lock_rows:
            q = q.with_for_update()
        before = self.conn.execute(q).scalar_one_or_none()
        values = {"role": grant.role.label, "created_at": at, "created_by": by}
        if before is not None:
            self.conn.execute(update(_g).where(key).values(**values))
            return parse_role(before)
        with self._unique("grant"):
            self.conn.execute(
                insert(_g).values(
                    user_id=grant.user_id,
                    scope_kind=grant.scope.kind.value,
                    target=grant.scope.target,
                    **values,
                )
            )
        return None

    def delete_grant(self, user_id: str, scope: Scope) -> Role:
        key = _scope_key(user_id, scope)
        before = self.conn.execute(select(_g.c.role).where(key)).scalar_one_or_none()
        if before is None:
            raise NotFound("no such grant")
        self.conn.execute(_g.delete().where(key))
        return parse_role(before)

    def list_grants(self, user_id: str | None) -> list[Grant]:
        live = (_m.c.id == _g.c.target) & (_g.c.scope_kind == ScopeKind.MODEL.value)
        q = (
            select(_g, _u.c.name.label("user_name"), _m.c.name.label("model_name"))
            .join(_u, _u.c.id == _g.c.user_id)
            .outerjoin(_m, live & _m.c.deleted_at.is_(None))
            .order_by(_u.c.name_key, _g.c.scope_kind, _g.c.target)
        )
        if user_id is not None:
            q = q.where(_g.c.user_id == user_id)
        return [
            Grant(
                user_id=r.user_id,
                role=parse_role(r.role),
                scope=Scope(ScopeKind(r.scope_kind), r.target),
                user_name=r.user_name,
                model_name=r.model_name,
            )
            for r in self.conn.execute(q)
        ]
