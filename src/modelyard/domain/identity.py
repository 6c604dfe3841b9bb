"""Who may do what: principals, roles, permissions, grants and their pure evaluation.

Nothing here loads anything: the service passes in the grants it read, so the rules can be
tested as a table and every entrypoint evaluates them the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from modelyard.domain import names
from modelyard.domain.stages import Stage
from modelyard.errors import InvalidArgument

# Letters, digits and the characters an SSO proxy's e-mail style names need; no ':' or '/',
# which would be ambiguous in Basic credentials and URLs.
PRINCIPAL_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
PREFIX_RE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]{0,126})\*")


class Role(IntEnum):
    """Ordered: a higher role includes every permission of the lower ones."""

    VIEWER = 1
    EDITOR = 2
    MAINTAINER = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()


def parse_role(value: object) -> Role:
    if isinstance(value, Role):
        return value
    if isinstance(value, str) and value.upper() in Role.__members__:
        return Role[value.upper()]
    choices = ", ".join(r.label for r in Role)
    raise InvalidArgument(f"unknown role {str(value)[:40]!r}: expected one of {choices}")


class Reach(StrEnum):
    """Which grants count for a permission.

    MODEL: grants on the model, on a prefix of its name, or global. ANY: the highest grant
    anywhere (lineage such as runs belongs to no model, and a team editor must log runs).
    GLOBAL: global grants only (managing people and the store is never delegated by model).
    """

    MODEL = "model"
    ANY = "any"
    GLOBAL = "global"


class Permission(StrEnum):
    MODEL_READ = "model.read"
    MODEL_CREATE = "model.create"
    MODEL_EDIT = "model.edit"  # descriptions and tags of models and versions
    MODEL_RENAME = "model.rename"
    MODEL_DELETE = "model.delete"
    VERSION_CREATE = "version.create"
    VERSION_DELETE = "version.delete"
    STAGE_TO_NONE = "stage.to_none"
    STAGE_TO_STAGING = "stage.to_staging"
    STAGE_TO_PRODUCTION = "stage.to_production"
    STAGE_TO_ARCHIVED = "stage.to_archived"
    ROLLBACK = "version.rollback"
    ALIAS_MOVE = "alias.move"
    ALIAS_PROTECTED_MOVE = "alias.protected.move"
    RUN_READ = "run.read"
    RUN_WRITE = "run.write"  # runs, experiments, tracked artifacts and logged models
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    STORE_MAINTAIN = "store.maintain"  # fsck, later garbage collection
    USERS_MANAGE = "users.manage"
    TOKENS_MANAGE = "tokens.manage"  # other principals' tokens; one's own need no grant
    GRANTS_MANAGE = "grants.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"  # subscriptions see every published change


V, E, M, A = Role.VIEWER, Role.EDITOR, Role.MAINTAINER, Role.ADMIN
_MO, _ANY, _GL = Reach.MODEL, Reach.ANY, Reach.GLOBAL

# permission -> (the lowest role that holds it, which grants count)
RULES: dict[Permission, tuple[Role, Reach]] = {
    Permission.MODEL_READ: (V, _MO),
    Permission.MODEL_CREATE: (E, _MO),
    Permission.MODEL_EDIT: (E, _MO),
    Permission.MODEL_RENAME: (M, _MO),
    Permission.MODEL_DELETE: (M, _MO),
    Permission.VERSION_CREATE: (E, _MO),
    Permission.VERSION_DELETE: (M, _MO),
    Permission.STAGE_TO_NONE: (E, _MO),
    Permission.STAGE_TO_STAGING: (E, _MO),
    Permission.STAGE_TO_PRODUCTION: (M, _MO),
    Permission.STAGE_TO_ARCHIVED: (M, _MO),
    Permission.ROLLBACK: (M, _MO),
    Permission.ALIAS_MOVE: (E, _MO),
    Permission.ALIAS_PROTECTED_MOVE: (M, _MO),
    Permission.RUN_READ: (V, _ANY),
    Permission.RUN_WRITE: (E, _ANY),
    Permission.AUDIT_READ: (V, _MO),
    Permission.AUDIT_VERIFY: (A, _GL),
    Permission.STORE_MAINTAIN: (A, _GL),
    Permission.USERS_MANAGE: (A, _GL),
    Permission.TOKENS_MANAGE: (A, _GL),
    Permission.GRANTS_MANAGE: (A, _GL),
    Permission.WEBHOOKS_MANAGE: (A, _GL),
}

_STAGE_PERMISSION = {
    Stage.NONE: Permission.STAGE_TO_NONE,
    Stage.STAGING: Permission.STAGE_TO_STAGING,
    Stage.PRODUCTION: Permission.STAGE_TO_PRODUCTION,
    Stage.ARCHIVED: Permission.STAGE_TO_ARCHIVED,
}


def stage_permission(to: Stage) -> Permission:
    """A transition needs the permission of its target stage."""
    return _STAGE_PERMISSION[to]


def alias_permission(protected: bool) -> Permission:
    return Permission.ALIAS_PROTECTED_MOVE if protected else Permission.ALIAS_MOVE


class PrincipalKind(StrEnum):
    USER = "user"
    SERVICE = "service"
    LOCAL = "local"  # the embedded store's OS user, or a server with auth off: full rights


@dataclass(frozen=True)
class Principal:
    name: str
    kind: PrincipalKind
    user_id: str | None = None
    token_id: str | None = None

    @classmethod
    def local(cls, name: str) -> Principal:
        return cls(name, PrincipalKind.LOCAL)

    @property
    def unrestricted(self) -> bool:
        return self.kind is PrincipalKind.LOCAL


@dataclass(frozen=True)
class User:
    id: str
    name: str
    kind: PrincipalKind  # USER or SERVICE
    created_at: datetime
    created_by: str
    disabled_at: datetime | None = None
    password_hash: str | None = None

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


class ScopeKind(StrEnum):
    GLOBAL = "global"
    MODEL = "model"
    PREFIX = "prefix"


@dataclass(frozen=True)
class Scope:
    """Where a grant applies. ``target`` is a model id (so a rename keeps the grant), a
    case-folded name prefix without its ``*``, or empty for a global grant."""

    kind: ScopeKind
    target: str = ""

    @classmethod
    def everywhere(cls) -> Scope:
        return cls(ScopeKind.GLOBAL)

    @classmethod
    def model(cls, model_id: str) -> Scope:
        return cls(ScopeKind.MODEL, model_id)

    @classmethod
    def prefix(cls, pattern: str) -> Scope:
        return cls(ScopeKind.PREFIX, parse_prefix(pattern))


@dataclass(frozen=True)
class Grant:
    user_id: str
    role: Role
    scope: Scope
    # for display, filled in by the repository: the user's name and, for a model grant,
    # the model's current name (None once the model is deleted)
    user_name: str = ""
    model_name: str | None = None


@dataclass(frozen=True)
class ModelTarget:
    """The model a permission is asked for; ``id`` is None for a model not created yet."""

    id: str | None
    name: str

    @property
    def key(self) -> str:
        return names.name_key(self.name)


def principal_name(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidArgument("user name must be a string")
    name = unicodedata.normalize("NFC", value)
    if not PRINCIPAL_NAME_RE.fullmatch(name):
        raise InvalidArgument(
            f"invalid user name {value[:60]!r}: use 1-128 characters from A-Z a-z 0-9 . _ @ + -, "
            "starting with a letter or digit"
        )
    return name


def parse_prefix(value: object) -> str:
    """``fraud-*`` → ``fraud-``: the start of a model name followed by ``*``, case-folded."""
    if not isinstance(value, str) or not (m := PREFIX_RE.fullmatch(value)):
        raise InvalidArgument(
            f"invalid name prefix {str(value)[:60]!r}: the start of a model name followed by "
            "'*', e.g. 'fraud-*'"
        )
    return names.name_key(m.group(1))


def _applies(scope: Scope, target: ModelTarget) -> bool:
    if scope.kind is ScopeKind.GLOBAL:
        return True
    if scope.kind is ScopeKind.MODEL:
        return target.id is not None and scope.target == target.id
    return target.key.startswith(scope.target)


def effective_role(
    grants: list[Grant], target: ModelTarget | None, reach: Reach = Reach.MODEL
) -> Role | None:
    """The highest role among the grants that apply; None when none does."""
    if reach is Reach.ANY:
        found = list(grants)
    elif reach is Reach.GLOBAL or target is None:
        found = [g for g in grants if g.scope.kind is ScopeKind.GLOBAL]
    else:
        found = [g for g in grants if _applies(g.scope, target)]
    return max((g.role for g in found), default=None)


def can(
    principal: Principal,
    permission: Permission,
    grants: list[Grant],
    target: ModelTarget | None = None,
) -> bool:
    """Whether the principal holds the permission, given all of its grants."""
    if principal.unrestricted:
        return True
    least, reach = RULES[permission]
    role = effective_role(grants, target, reach)
    return role is not None and role >= least


@dataclass(frozen=True)
class ReadScope:
    """The models a principal may read, in a form a SQL search can filter on, so that
    counts and pages are computed over visible models only."""

    all: bool
    model_ids: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    def admits(self, model_id: str, name: str) -> bool:
        key = names.name_key(name)
        return self.all or model_id in self.model_ids or key.startswith(self.prefixes)

    @property
    def empty(self) -> bool:
        return not (self.all or self.model_ids or self.prefixes)


def readable_scope(principal: Principal, grants: list[Grant]) -> ReadScope:
    if principal.unrestricted:
        return ReadScope(all=True)
    # every role holds model.read, so any grant makes its scope readable
    kinds = {g.scope.kind for g in grants}
    if ScopeKind.GLOBAL in kinds:
        return ReadScope(all=True)
    ids = frozenset(g.scope.target for g in grants if g.scope.kind is ScopeKind.MODEL)
    prefixes = tuple(sorted({g.scope.target for g in grants if g.scope.kind is ScopeKind.PREFIX}))
    return ReadScope(all=False, model_ids=ids, prefixes=prefixes)
