"""The identity use cases on every Repository backend: bootstrap, tokens, grants, disabling.

One scenario runs on a Context over each backend and must give what it gives on the fake.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from modelyard.domain.tokens import BOOTSTRAP_ID
from modelyard.errors import ModelyardError
from modelyard.service import identity, models
from modelyard.service.context import Context
from modelyard.service.permissions import read_scope, require
from modelyard.service.ports import UnitOfWorkFactory
from tests.fakes import FakeUnitOfWorkFactory, FixedClock, MemoryBlobStore, SequentialIds

ADMIN_TOKEN = "operator-chosen-bootstrap-secret-0123456789"


def _context(factory: UnitOfWorkFactory) -> Context:
    return Context(factory, MemoryBlobStore(), FixedClock(), SequentialIds(), "root")


def _code(fn: Any, *args: Any, **kwargs: Any) -> str:
    try:
        fn(*args, **kwargs)
    except ModelyardError as exc:
        return exc.code
    return "OK"


def scenario(ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {"created": identity.ensure_admin(ctx, ADMIN_TOKEN)}
    out["again"] = identity.ensure_admin(ctx, ADMIN_TOKEN)
    admin = identity.authenticate(ctx, ADMIN_TOKEN)
    out["admin"] = (admin.name, admin.token_id == BOOTSTRAP_ID)
    fraud = models.create_model(ctx, "Fraud-A")
    identity.create_user(ctx, admin, "bob")
    identity.create_user(ctx, admin, "Carol", service=True, role="viewer")
    identity.set_grant(ctx, admin, "bob", "editor", prefix="fraud-*")
    identity.set_grant(ctx, admin, "bob", "maintainer", model="Fraud-A")
    row, secret = identity.create_token(ctx, admin, "ci", user="bob", expires="1h")
    bob = identity.authenticate(ctx, secret)
    identity.authenticate(ctx, secret)  # within the minute: no second touch
    out["bob"] = (bob.name, bob.token_id == row.id)
    models.rename_model(ctx, "Fraud-A", "Scam")
    renamed = models.get_model(ctx, "Scam")
    with ctx.uow(write=False) as uow:
        out["rollback_after_rename"] = _code(require, uow.repo, bob, "stages.rollback", renamed)
        out["grant_denied"] = _code(identity.set_grant, ctx, bob, "bob", "admin")
        scope = read_scope(uow.repo, bob)
    out["scope"] = (scope.all, sorted(scope.model_ids) == [fraud.id], scope.prefixes)
    out["grants"] = [
        (g.user_name, g.role.label, g.scope.kind.value, g.model_name)
        for g in identity.list_grants(ctx, admin)
    ]
    out["tokens"] = [
        (t.name, t.last_used_at is not None) for t in identity.list_tokens(ctx, admin, "bob")
    ]
    assert hasattr(ctx.clock, "now")
    ctx.clock.now += timedelta(hours=2)
    out["expired"] = _code(identity.authenticate, ctx, secret)
    identity.disable_user(ctx, admin, "bob")
    out["users"] = [(u.name, u.disabled) for u in identity.list_users(ctx, admin)]
    out["revoke_unknown"] = _code(identity.revoke_token, ctx, admin, "f" * 32)
    return out


def test_identity_scenario_matches_the_fake(uow_factory: UnitOfWorkFactory) -> None:
    ctx = _context(uow_factory)
    result = scenario(ctx)
    assert result == scenario(_context(FakeUnitOfWorkFactory()))
    assert result["admin"] == ("admin", True)
    assert result["rollback_after_rename"] == "OK"
    assert result["grant_denied"] == "PERMISSION_DENIED"
    assert result["expired"] == "UNAUTHENTICATED"
    assert result["scope"] == (False, True, ("fraud-",))
    with ctx.uow(write=False) as uow:
        actions = [e.action for e in uow.repo.list_audit(None, None, 0, 100)]
    assert actions.count("token.first_use") == 2
