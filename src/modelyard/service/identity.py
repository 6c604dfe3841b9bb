"""Use cases of identity: users and service accounts, passwords, API tokens, grants, the
bootstrap admin, and turning a presented token into a Principal.

Each use case takes the calling Principal, checks it against the permission table, and
audits every change in the same unit of work; no secret, password or hash is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from modelyard.domain import tokens as tk
from modelyard.domain.entities import RegisteredModel
from modelyard.domain.identity import (
    Grant,
    Principal,
    PrincipalKind,
    Role,
    Scope,
    ScopeKind,
    User,
    parse_role,
    principal_name,
)
from modelyard.errors import (
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from modelyard.service.context import Context, append_audit
from modelyard.service.permissions import Target, require
from modelyard.service.ports import Repository

TOUCH_INTERVAL = timedelta(minutes=1)
DEFAULT_EXPIRY = "90d"
MIN_PASSWORD, MAX_PASSWORD = 12, 1024
ADMIN_NAME = "admin"
MAX_LIST = 10_000
_HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 parameters


def _as(ctx: Context, caller: Principal) -> Context:
    """The audit actor is the authenticated principal, never a claimed name."""
    return ctx.as_actor(caller.name)


def _own(caller: Principal, user: User) -> bool:
    return caller.user_id is not None and caller.user_id == user.id


# users -----------------------------------------------------------------------------------
def create_user(
    ctx: Context, caller: Principal, name: str, *, service: bool = False, role: str | None = None
) -> User:
    """Create a user (or a service account), with a global grant of ``role`` if given."""
    name, ctx = principal_name(name), _as(ctx, caller)
    granted = parse_role(role) if role is not None else None
    kind = PrincipalKind.SERVICE if service else PrincipalKind.USER
    with ctx.uow(write=True) as uow:
        require(uow.repo, caller, "identity.create_user")
        user = User(ctx.new_id(), name, kind, ctx.clock(), ctx.actor)
        uow.repo.add_user(user)
        append_audit(ctx, uow.repo, "user.create", after={"user": name, "kind": kind.value})
        if granted is not None:
            _set_grant(ctx, uow.repo, user, granted, Scope.everywhere(), None)
        uow.commit()
    return user


def list_users(ctx: Context, caller: Principal) -> list[User]:
    """Every user and service account, disabled ones included; password hashes left out."""
    with ctx.uow(write=False) as uow:
        require(uow.repo, caller, "identity.list_users")
        found = uow.repo.list_users(0, MAX_LIST)
    return [replace(u, password_hash=None) for u in found]


def disable_user(ctx: Context, caller: Principal, name: str) -> None:
    """Disable a user: its tokens and password stop working at once."""
    name, ctx = principal_name(name), _as(ctx, caller)
    with ctx.uow(write=True) as uow:
        require(uow.repo, caller, "identity.disable_user")
        user = uow.repo.get_user(name)
        if _own(caller, user):
            raise Conflict("you cannot disable your own account")
        if user.disabled:
            return
        uow.repo.disable_user(user.id, ctx.clock())
        append_audit(ctx, uow.repo, "user.disable", after={"user": user.name})
        uow.commit()


# passwords (for the web UI's sign-in only) -----------------------------------------------
def _password(value: object) -> str:
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise InvalidArgument(f"a password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters")
    return value


def set_password(ctx: Context, caller: Principal, name: str, password: str) -> None:
    """Set a human user's password (argon2id); one's own, or anyone's as an admin."""
    name, password, ctx = principal_name(name), _password(password), _as(ctx, caller)
    with ctx.uow(write=True) as uow:
        user = uow.repo.get_user(name)
        require(uow.repo, caller, "identity.set_password", target=Target(own=_own(caller, user)))
        if user.kind is not PrincipalKind.USER:
            raise InvalidArgument("service accounts sign in with tokens, not passwords")
        uow.repo.set_password_hash(user.id, _HASHER.hash(password))
        append_audit(ctx, uow.repo, "user.password.set", after={"user": user.name})
        uow.commit()


@cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def verify_password(ctx: Context, name: str, password: str) -> Principal:
    """Sign in with a password (the web UI's way in): the principal whose password this is,
    with the sign-in audited; Unauthenticated, saying nothing more, else."""
    try:
        name, password = principal_name(name), _password(password)
        with ctx.uow(write=False) as uow:
            user = uow.repo.get_user(name)
    except (InvalidArgument, NotFound):
        user = None
    stored = user.password_hash if user is not None else None
    try:
        # a hash is checked even for an unknown user, so timing does not tell them apart
        _HASHER.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated(tk.REJECTED) from None
    if user is None or stored is None or user.disabled:
        raise Unauthenticated(tk.REJECTED)
    principal = Principal(user.name, user.kind, user.id)
    # a sign-in is audited (failures are not: an unauthenticated caller could flood the
    # chain with them); the password never is
    with ctx.uow(write=True) as uow:
        after = {"user": user.name, "method": "password"}
        append_audit(_as(ctx, principal), uow.repo, "user.sign_in", after=after)
        uow.commit()
    return principal


# tokens ----------------------------------------------------------------------------------
def _owner(repo: Repository, caller: Principal, user: str | None) -> User:
    if user is not None:
        return repo.get_user(principal_name(user))
    if caller.user_id is None:
        raise InvalidArgument("name the user the token is for")
    return repo.get_user_by_id(caller.user_id)


def create_token(
    ctx: Context,
    caller: Principal,
    name: str,
    *,
    user: str | None = None,
    expires: str | None = DEFAULT_EXPIRY,
) -> tuple[tk.ApiToken, str]:
    """A new token for the caller (or, as an admin, for ``user``); the secret is returned
    here once and stored only as a hash."""
    name, ctx = tk.token_name(name), _as(ctx, caller)
    lifetime = tk.parse_duration(expires if expires is not None else "never")
    with ctx.uow(write=True) as uow:
        owner = _owner(uow.repo, caller, user)
        own = Target(own=_own(caller, owner))
        require(uow.repo, caller, "identity.create_token", target=own)
        if owner.disabled:
            raise Conflict(f"user {owner.name!r} is disabled")
        secret = tk.format_token(ctx.new_id(), secrets.token_urlsafe(32))
        now = ctx.clock()
        expiry = now + lifetime if lifetime is not None else None
        row = tk.ApiToken(
            tk.token_id(secret), owner.id, name, tk.token_hash(secret), now, ctx.actor
        )
        uow.repo.add_token(replace(row, expires_at=expiry))
        _audit_token(ctx, uow.repo, "token.create", row, owner, expiry)
        uow.commit()
    return replace(row, hash="", expires_at=expiry), secret


def _audit_token(
    ctx: Context,
    repo: Repository,
    action: str,
    row: tk.ApiToken,
    owner: User,
    expiry: datetime | None = None,
) -> None:
    after: dict[str, object] = {"token": row.id, "name": row.name, "user": owner.name}
    if action == "token.create":
        after["expires_at"] = expiry.isoformat() if expiry is not None else None
    append_audit(ctx, repo, action, after=after)


def list_tokens(ctx: Context, caller: Principal, user: str | None = None) -> list[tk.ApiToken]:
    """The tokens of the caller, or of ``user`` as an admin; hashes are left out."""
    with ctx.uow(write=False) as uow:
        owner = _owner(uow.repo, caller, user)
        own = Target(own=_own(caller, owner))
        require(uow.repo, caller, "identity.list_tokens", target=own)
        found = uow.repo.list_tokens(owner.id)
    return [replace(t, hash="") for t in found]


def revoke_token(ctx: Context, caller: Principal, token_id: str) -> None:
    """Revoke one's own token, or any as an admin; it stops working at once."""
    ctx = _as(ctx, caller)
    with ctx.uow(write=True) as uow:
        try:
            row = uow.repo.get_token(str(token_id))
            owner = uow.repo.get_user_by_id(row.user_id)
            own = Target(own=_own(caller, owner))
            require(uow.repo, caller, "identity.revoke_token", target=own)
        except (NotFound, PermissionDenied):
            # someone else's token id is reported like an unknown one
            raise NotFound(f"token {str(token_id)[:40]!r} does not exist") from None
        if row.revoked_at is not None:
            return
        uow.repo.revoke_token(row.id, ctx.clock())
        _audit_token(ctx, uow.repo, "token.revoke", row, owner)
        uow.commit()


def authenticate(ctx: Context, token: object) -> Principal:
    """The principal a presented token stands for. Every failure (malformed, truncated,
    forged, expired, revoked, or a disabled user) raises the same Unauthenticated."""
    tid = tk.token_id(token)
    if not isinstance(token, str):  # token_id refuses these; this narrows the type
        raise Unauthenticated(tk.REJECTED)
    now = ctx.clock()
    with ctx.uow(write=False) as uow:
        try:
            row = uow.repo.get_token(tid)
            user = uow.repo.get_user_by_id(row.user_id)
        except NotFound:
            raise Unauthenticated(tk.REJECTED) from None
    if not tk.matches(token, row.hash) or not row.usable(now) or user.disabled:
        raise Unauthenticated(tk.REJECTED)
    principal = Principal(user.name, user.kind, user.id, row.id)
    if row.last_used_at is None or row.last_used_at < now - TOUCH_INTERVAL:
        _touch(ctx.as_actor(user.name), row, user, now)
    return principal


def trusted_principal(ctx: Context, name: str) -> Principal:
    """The principal a trusted SSO proxy names: a user that exists and is enabled (the
    proxy proves who it is, an admin decides whether that person has an account)."""
    name = principal_name(name)
    with ctx.uow(write=False) as uow:
        user = uow.repo.get_user(name)
    if user.disabled:
        raise Unauthenticated(tk.REJECTED)
    return Principal(user.name, user.kind, user.id)


def _touch(ctx: Context, row: tk.ApiToken, user: User, now: datetime) -> None:
    """Record the last use at most once a minute per token; audit the first use."""
    with ctx.uow(write=True) as uow:
        if uow.repo.touch_token(row.id, now, now - TOUCH_INTERVAL):
            _audit_token(ctx, uow.repo, "token.first_use", row, user)
        uow.commit()


# grants ----------------------------------------------------------------------------------
def _scope(
    repo: Repository, model: str | None, prefix: str | None
) -> tuple[Scope, RegisteredModel | None]:
    if model is not None and prefix is not None:
        raise InvalidArgument("a grant is on a model or on a name prefix, not both")
    if model is not None:
        found = repo.get_model(model)
        return Scope.model(found.id), found
    if prefix is not None:
        return Scope.prefix(prefix), None
    return Scope.everywhere(), None


def _describe(scope: Scope, model_name: str | None) -> dict[str, object]:
    if scope.kind is ScopeKind.MODEL:
        return {"scope": "model", "model": model_name, "model_id": scope.target}
    if scope.kind is ScopeKind.PREFIX:
        return {"scope": "prefix", "prefix": scope.target + "*"}
    return {"scope": "global"}


def _set_grant(
    ctx: Context,
    repo: Repository,
    user: User,
    role: Role,
    scope: Scope,
    model: RegisteredModel | None,
) -> Grant:
    model_name = model.name if model is not None else None
    grant = Grant(user.id, role, scope, user_name=user.name, model_name=model_name)
    before = repo.set_grant(grant, ctx.clock(), ctx.actor)
    where = _describe(scope, model_name)
    append_audit(
        ctx,
        repo,
        "grant.set",
        model=model,
        before={"role": before.label} if before is not None else None,
        after={"user": user.name, "role": role.label, **where},
    )
    return grant


def set_grant(
    ctx: Context,
    caller: Principal,
    user: str,
    role: str,
    *,
    model: str | None = None,
    prefix: str | None = None,
) -> Grant:
    """Give ``user`` ``role`` globally, on one model (kept across renames), or on every
    model whose name starts with a prefix (``fraud-*``). Only admins manage grants."""
    name, granted, ctx = principal_name(user), parse_role(role), _as(ctx, caller)
    with ctx.uow(write=True) as uow:
        require(uow.repo, caller, "identity.set_grant")
        target = uow.repo.get_user(name)
        scope, found = _scope(uow.repo, model, prefix)
        grant = _set_grant(ctx, uow.repo, target, granted, scope, found)
        uow.commit()
    return grant


def revoke_grant(
    ctx: Context,
    caller: Principal,
    user: str,
    *,
    model: str | None = None,
    prefix: str | None = None,
) -> None:
    name, ctx = principal_name(user), _as(ctx, caller)
    with ctx.uow(write=True) as uow:
        require(uow.repo, caller, "identity.revoke_grant")
        target = uow.repo.get_user(name)
        scope, found = _scope(uow.repo, model, prefix)
        before = uow.repo.delete_grant(target.id, scope)
        where = _describe(scope, found.name if found is not None else None)
        after = {"user": target.name, **where}
        append_audit(
            ctx,
            uow.repo,
            "grant.revoke",
            model=found,
            before={"role": before.label},
            after=after,
        )
        uow.commit()


def list_grants(ctx: Context, caller: Principal, user: str | None = None) -> list[Grant]:
    """Every grant (admins), or the grants of one user (that user may see its own)."""
    with ctx.uow(write=False) as uow:
        owner = uow.repo.get_user(principal_name(user)) if user is not None else None
        own = Target(own=owner is not None and _own(caller, owner))
        require(uow.repo, caller, "identity.list_grants", target=own)
        return uow.repo.list_grants(owner.id if owner is not None else None)


# bootstrap -------------------------------------------------------------------------------
def _enabled_admin_exists(repo: Repository) -> bool:
    return any(
        g.role is Role.ADMIN
        and g.scope.kind is ScopeKind.GLOBAL
        and not repo.get_user_by_id(g.user_id).disabled
        for g in repo.list_grants(None)
    )


def ensure_admin(ctx: Context, admin_token: object) -> bool:
    """With no enabled global admin, create user ``admin`` whose token is the operator's
    ``MODELYARD_ADMIN_TOKEN``; True when it did. Idempotent: once an admin exists nothing
    changes, even for a different token (rotate it with ``tokens create``/``revoke``)."""
    token = tk.admin_token(admin_token)
    ctx = ctx.as_actor("bootstrap")
    with ctx.uow(write=True) as uow:
        repo = uow.repo
        if _enabled_admin_exists(repo):
            return False
        try:
            repo.get_user(ADMIN_NAME)
        except NotFound:
            pass
        else:
            raise Conflict(
                f"user {ADMIN_NAME!r} exists but is not an enabled global admin; "
                "grant it admin or re-enable it from the database"
            )
        now = ctx.clock()
        admin = User(ctx.new_id(), ADMIN_NAME, PrincipalKind.USER, now, ctx.actor)
        repo.add_user(admin)
        append_audit(ctx, repo, "user.create", after={"user": ADMIN_NAME, "kind": "user"})
        _set_grant(ctx, repo, admin, Role.ADMIN, Scope.everywhere(), None)
        row = tk.ApiToken(
            tk.token_id(token), admin.id, "bootstrap", tk.token_hash(token), now, ctx.actor
        )
        repo.add_token(row)
        _audit_token(ctx, repo, "token.create", row, admin)
        uow.commit()
    return True
