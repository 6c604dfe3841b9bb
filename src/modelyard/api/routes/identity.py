"""Users and service accounts, API tokens and grants.

Every use case checks the caller itself (``ctx.caller``); a token's secret is in the
response that creates it and nowhere else, and no response carries a hash.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from modelyard import wire
from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.service import identity

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, tags=["identity"])
NO_STORE = {"Cache-Control": "no-store"}


# users -----------------------------------------------------------------------------------
@router.post("/users", status_code=201, response_model=wire.UserOut)
def create_user(body: wire.UserCreate, ctx: Ctx) -> wire.UserOut:
    """Create a user, or a service account (`service`), optionally with a global role."""
    user = identity.create_user(ctx, ctx.caller, body.name, service=body.service, role=body.role)
    return wire.user_out(user)


@router.get("/users", response_model=wire.UserList)
def list_users(ctx: Ctx) -> wire.UserList:
    """Every user and service account, disabled ones included (admins)."""
    return wire.UserList(users=[wire.user_out(u) for u in identity.list_users(ctx, ctx.caller)])


@router.post("/users/{name}/disable", status_code=204)
def disable_user(name: str, ctx: Ctx) -> Response:
    """Disable a user: its tokens and password stop working at once (admins)."""
    identity.disable_user(ctx, ctx.caller, name)
    return Response(status_code=204)


@router.put("/users/{name}/password", status_code=204)
def set_password(name: str, body: wire.PasswordIn, ctx: Ctx) -> Response:
    """Set a user's password for the web UI's sign-in: one's own, or anyone's as an admin."""
    identity.set_password(ctx, ctx.caller, name, body.password)
    return Response(status_code=204)


# tokens ----------------------------------------------------------------------------------
@router.post("/tokens", status_code=201, response_model=wire.TokenCreated)
def create_token(body: wire.TokenCreate, ctx: Ctx, response: Response) -> wire.TokenCreated:
    """A new API token (the caller's, or `user`'s as an admin). The secret is in this
    response only: it is stored as a hash and can never be shown again."""
    row, secret = identity.create_token(
        ctx, ctx.caller, body.name, user=body.user, expires=body.expires
    )
    response.headers.update(NO_STORE)
    return wire.token_created(row, secret)


@router.get("/tokens", response_model=wire.TokenList)
def list_tokens(ctx: Ctx, user: str | None = None) -> wire.TokenList:
    """The caller's tokens, or `user`'s as an admin; never a secret or a hash."""
    found = identity.list_tokens(ctx, ctx.caller, user)
    return wire.TokenList(tokens=[wire.token_out(t) for t in found])


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, ctx: Ctx) -> Response:
    """Revoke a token (one's own, or any as an admin); it stops working at once."""
    identity.revoke_token(ctx, ctx.caller, token_id)
    return Response(status_code=204)


# grants ----------------------------------------------------------------------------------
@router.post("/grants", response_model=wire.GrantOut)
def set_grant(body: wire.GrantIn, ctx: Ctx) -> wire.GrantOut:
    """Give a user a role globally, on one `model`, or on a name `prefix` such as `fraud-*`
    (replacing the role it had there). Admins only."""
    grant = identity.set_grant(
        ctx, ctx.caller, body.user, body.role, model=body.model, prefix=body.prefix
    )
    return wire.grant_out(grant)


@router.get("/grants", response_model=wire.GrantList)
def list_grants(ctx: Ctx, user: str | None = None, model: str | None = None) -> wire.GrantList:
    """Grants, all (admins) or one `user`'s (that user may list its own). With `model`,
    only those that apply to it: on the model, on a prefix of its name, and global ones."""
    found = identity.list_grants(ctx, ctx.caller, user)
    return wire.GrantList(grants=[wire.grant_out(g) for g in wire.applying_to(found, model)])


@router.delete("/grants", status_code=204)
def revoke_grant(
    user: str, ctx: Ctx, model: str | None = None, prefix: str | None = None
) -> Response:
    """Take back a user's global grant, or its grant on `model` or on `prefix`."""
    identity.revoke_grant(ctx, ctx.caller, user, model=model, prefix=prefix)
    return Response(status_code=204)
