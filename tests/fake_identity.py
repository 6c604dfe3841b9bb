"""The identity part of the fake repository: users, API tokens and grants in dicts.

``tests/fakes.py`` attaches these methods to FakeRepository; the state lives inside the
RegistryState (``state.__dict__["identity"]``) so a unit of work copies it with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from modelyard.domain import names
from modelyard.domain.identity import Grant, Role, Scope, ScopeKind, User
from modelyard.domain.tokens import ApiToken
from modelyard.errors import AlreadyExists, NotFound


@dataclass
class IdentityState:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    grants: dict[tuple[str, ScopeKind, str], Grant] = field(default_factory=dict)


class FakeIdentityRepository:
    state: Any  # the RegistryState of tests.fakes

    @property
    def _id(self) -> IdentityState:
        found: IdentityState = self.state.__dict__.setdefault("identity", IdentityState())
        return found

    def add_user(self, user: User) -> None:
        key = names.name_key(user.name)
        if any(names.name_key(u.name) == key for u in self._id.users.values()):
            raise AlreadyExists(f"a user named {user.name!r} already exists")
        if user.id in self._id.users:
            raise AlreadyExists(f"a user with id {user.id!r} already exists")
        self._id.users[user.id] = user

    def get_user(self, name: str) -> User:
        key = names.name_key(name)
        for user in self._id.users.values():
            if names.name_key(user.name) == key:
                return user
        raise NotFound(f"user {name!r} does not exist")

    def get_user_by_id(self, user_id: str) -> User:
        if user_id not in self._id.users:
            raise NotFound(f"user id {user_id!r} does not exist")
        return self._id.users[user_id]

    def list_users(self, offset: int, limit: int) -> list[User]:
        found = sorted(self._id.users.values(), key=lambda u: names.name_key(u.name))
        return found[offset : offset + limit]

    def disable_user(self, user_id: str, at: datetime) -> None:
        self._id.users[user_id] = replace(self._id.users[user_id], disabled_at=at)

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        self._id.users[user_id] = replace(self._id.users[user_id], password_hash=password_hash)

    def add_token(self, token: ApiToken) -> None:
        if token.id in self._id.tokens:
            raise AlreadyExists(f"token {token.id!r} already exists")
        self.get_user_by_id(token.user_id)  # the foreign key
        self._id.tokens[token.id] = token

    def get_token(self, token_id: str) -> ApiToken:
        if token_id not in self._id.tokens:
            raise NotFound(f"token {token_id!r} does not exist")
        return self._id.tokens[token_id]

    def list_tokens(self, user_id: str | None) -> list[ApiToken]:
        found = [t for t in self._id.tokens.values() if user_id in (None, t.user_id)]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def revoke_token(self, token_id: str, at: datetime) -> None:
        token = self._id.tokens.get(token_id)
        if token is not None and token.revoked_at is None:
            self._id.tokens[token_id] = replace(token, revoked_at=at)

    def touch_token(self, token_id: str, at: datetime, stale_before: datetime) -> bool:
        token = self._id.tokens.get(token_id)
        if token is None:
            return False
        if token.last_used_at is None or token.last_used_at < stale_before:
            self._id.tokens[token_id] = replace(token, last_used_at=at)
        return token.last_used_at is None

    def set_grant(self, grant: Grant, at: datetime, by: str) -> Role | None:
        self.get_user_by_id(grant.user_id)
        key = (grant.user_id, grant.scope.kind, grant.scope.target)
        before = self._id.grants.get(key)
        self._id.grants[key] = Grant(grant.user_id, grant.role, grant.scope)
        return before.role if before is not None else None

    def delete_grant(self, user_id: str, scope: Scope) -> Role:
        found = self._id.grants.pop((user_id, scope.kind, scope.target), None)
        if found is None:
            raise NotFound("no such grant")
        return found.role

    def _grant_view(self, grant: Grant) -> Grant:
        model_name = None
        if grant.scope.kind is ScopeKind.MODEL:
            row = self.state.models.get(grant.scope.target)
            if row is not None and row.deleted_at is None:
                model_name = row.name
        user_name = self._id.users[grant.user_id].name
        return replace(grant, user_name=user_name, model_name=model_name)

    def list_grants(self, user_id: str | None) -> list[Grant]:
        found = [self._grant_view(g) for g in self._id.grants.values()]
        found = [g for g in found if user_id in (None, g.user_id)]
        return sorted(
            found, key=lambda g: (names.name_key(g.user_name), g.scope.kind.value, g.scope.target)
        )
