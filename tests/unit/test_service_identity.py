"""Identity use cases over the fakes: bootstrap, users, tokens, passwords and grants."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelyard.domain.identity import Principal, PrincipalKind, Role, Scope, ScopeKind
from modelyard.domain.tokens import REJECTED
from modelyard.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from modelyard.service import audit, identity, models
from modelyard.service.context import Context
from tests.fakes import FakeUnitOfWorkFactory

ADMIN_TOKEN = "operator-chosen-bootstrap-secret-0123456789"


@pytest.fixture
def admin(ctx: Context) -> Principal:
    assert identity.ensure_admin(ctx, ADMIN_TOKEN)
    return identity.authenticate(ctx, ADMIN_TOKEN)


def user_with_token(ctx: Context, admin: Principal, name: str, role: str | None = None) -> str:
    identity.create_user(ctx, admin, name, role=role)
    _row, secret = identity.create_token(ctx, admin, "t", user=name)
    return secret


def audit_text(store: FakeUnitOfWorkFactory) -> str:
    return json.dumps([[e.actor, e.action, e.before, e.after] for e in store.state.audit])


# bootstrap -------------------------------------------------------------------------------
def test_ensure_admin_creates_global_admin_whose_token_authenticates(admin: Principal) -> None:
    assert (admin.name, admin.kind) == ("admin", PrincipalKind.USER)


def test_ensure_admin_again_changes_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    before = store.commits
    assert identity.ensure_admin(ctx, ADMIN_TOKEN) is False
    assert identity.ensure_admin(ctx, "a-different-operator-token-0123456789") is False
    assert store.commits == before


def test_ensure_admin_ignores_different_token_once_admin_exists(
    ctx: Context, admin: Principal
) -> None:
    other = "a-different-operator-token-0123456789"
    identity.ensure_admin(ctx, other)
    with pytest.raises(Unauthenticated):
        identity.authenticate(ctx, other)


@pytest.mark.parametrize("token", ["short", "", None, "x" * 31])
def test_ensure_admin_with_weak_token_explains_and_stores_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory, token: object
) -> None:
    with pytest.raises(InvalidArgument, match="MODELYARD_ADMIN_TOKEN"):
        identity.ensure_admin(ctx, token)
    assert store.commits == 0


def test_ensure_admin_audits_without_the_token(
    store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    assert store.audit_actions()[:3] == ["user.create", "grant.set", "token.create"]
    assert ADMIN_TOKEN not in audit_text(store)


# users -----------------------------------------------------------------------------------
def test_create_user_with_role_grants_it_globally(ctx: Context, admin: Principal) -> None:
    identity.create_user(ctx, admin, "ci-bot", service=True, role="editor")
    grants = identity.list_grants(ctx, admin, "ci-bot")
    assert [(g.role, g.scope.kind) for g in grants] == [(Role.EDITOR, ScopeKind.GLOBAL)]
    listed = {u.name: u.kind for u in identity.list_users(ctx, admin)}
    assert listed["ci-bot"] is PrincipalKind.SERVICE


def test_create_user_with_taken_name_in_other_case_raises_already_exists(
    ctx: Context, admin: Principal
) -> None:
    identity.create_user(ctx, admin, "alice")
    with pytest.raises(AlreadyExists):
        identity.create_user(ctx, admin, "ALICE")


def test_create_user_by_editor_is_denied_and_changes_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    editor = identity.authenticate(ctx, user_with_token(ctx, admin, "ed", role="editor"))
    before = store.commits
    with pytest.raises(PermissionDenied):
        identity.create_user(ctx, editor, "mallory", role="admin")
    assert store.commits == before


def test_create_user_audits_the_authenticated_caller(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    identity.create_user(ctx.as_actor("claimed-name"), admin, "alice")
    assert store.state.audit[-1].actor == "admin"


def test_disabled_user_token_stops_working_at_once(ctx: Context, admin: Principal) -> None:
    secret = user_with_token(ctx, admin, "alice", role="viewer")
    identity.authenticate(ctx, secret)
    identity.disable_user(ctx, admin, "alice")
    with pytest.raises(Unauthenticated, match=REJECTED):
        identity.authenticate(ctx, secret)


def test_disable_own_account_raises_conflict(ctx: Context, admin: Principal) -> None:
    with pytest.raises(Conflict):
        identity.disable_user(ctx, admin, "admin")


# tokens ----------------------------------------------------------------------------------
def test_create_token_returns_secret_once_and_stores_only_hash(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    row, secret = identity.create_token(ctx, admin, "ci", expires="90d")
    assert secret.startswith("mdy_") and row.hash == ""
    stored = store.repo.get_token(row.id)
    assert stored.hash not in ("", secret) and secret not in repr(store.state)
    assert secret not in audit_text(store) and stored.hash not in audit_text(store)


def test_create_token_sets_expiry_from_duration(ctx: Context, admin: Principal) -> None:
    row, _ = identity.create_token(ctx, admin, "ci", expires="2d")
    assert row.expires_at == row.created_at + timedelta(days=2)


def test_authenticate_names_user_and_token(ctx: Context, admin: Principal) -> None:
    row, secret = identity.create_token(ctx, admin, "ci")
    assert identity.authenticate(ctx, secret) == replace(admin, token_id=row.id)


def _forge(secret: str) -> str:
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


@pytest.mark.parametrize(
    "spoil",
    [
        "forged",
        "expired",
        "revoked",
        "disabled",
        "unknown id",
        "truncated",
        "malformed",
    ],
)
def test_authenticate_rejects_bad_token_with_one_message(
    ctx: Context, admin: Principal, spoil: str
) -> None:
    identity.create_user(ctx, admin, "alice", role="viewer")
    row, secret = identity.create_token(ctx, admin, "t", user="alice", expires="30m")
    presented = {"forged": _forge(secret), "truncated": secret[:-3], "malformed": "Bearer x"}
    presented["unknown id"] = secret.replace(row.id, "f" * 32)
    if spoil == "expired":
        assert hasattr(ctx.clock, "now")
        ctx.clock.now += timedelta(minutes=31)
    elif spoil == "revoked":
        identity.revoke_token(ctx, admin, row.id)
    elif spoil == "disabled":
        identity.disable_user(ctx, admin, "alice")
    with pytest.raises(Unauthenticated) as caught:
        identity.authenticate(ctx, presented.get(spoil, secret))
    assert caught.value.message == REJECTED


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(data=st.data())
def test_mutated_or_arbitrary_token_never_authenticates(
    ctx: Context, admin: Principal, data: st.DataObject
) -> None:
    _row, secret = identity.create_token(ctx, admin, "h")
    pos = data.draw(st.integers(0, len(secret) - 1))
    char = data.draw(st.characters(codec="utf-8"))
    candidate = data.draw(
        st.sampled_from([secret[:pos] + char + secret[pos + 1 :], secret[:pos]])
        | st.text(max_size=100)
    )
    if candidate in (secret, ADMIN_TOKEN):
        return
    with pytest.raises(Unauthenticated):
        identity.authenticate(ctx, candidate)


def test_authenticate_audits_first_use_once_and_touches_at_most_once_a_minute(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    row, secret = identity.create_token(ctx, admin, "ci")
    identity.authenticate(ctx, secret)
    first = store.repo.get_token(row.id).last_used_at
    commits = store.commits
    identity.authenticate(ctx, secret)
    assert store.commits == commits  # within a minute: no write at all
    assert hasattr(ctx.clock, "now")
    ctx.clock.now += timedelta(minutes=2)
    identity.authenticate(ctx, secret)
    last = store.repo.get_token(row.id).last_used_at
    assert first is not None and last is not None and last > first
    assert store.audit_actions().count("token.first_use") == 2  # admin's and this one


def test_revoke_unknown_token_raises_not_found(ctx: Context, admin: Principal) -> None:
    with pytest.raises(NotFound):
        identity.revoke_token(ctx, admin, "f" * 32)


def test_revoke_another_users_token_as_non_admin_looks_unknown(
    ctx: Context, admin: Principal
) -> None:
    bob = identity.authenticate(ctx, user_with_token(ctx, admin, "bob", role="maintainer"))
    row, secret = identity.create_token(ctx, admin, "mine")
    with pytest.raises(NotFound):
        identity.revoke_token(ctx, bob, row.id)
    assert identity.authenticate(ctx, secret).token_id == row.id


def test_user_revokes_own_token(ctx: Context, admin: Principal) -> None:
    bob = identity.authenticate(ctx, user_with_token(ctx, admin, "bob", role="viewer"))
    row, secret = identity.create_token(ctx, bob, "laptop")
    identity.revoke_token(ctx, bob, row.id)
    with pytest.raises(Unauthenticated):
        identity.authenticate(ctx, secret)


def test_create_token_for_another_user_as_non_admin_is_denied(
    ctx: Context, admin: Principal
) -> None:
    bob = identity.authenticate(ctx, user_with_token(ctx, admin, "bob", role="maintainer"))
    with pytest.raises(PermissionDenied):
        identity.create_token(ctx, bob, "sneaky", user="admin")


def test_list_tokens_leaves_hashes_out(ctx: Context, admin: Principal) -> None:
    identity.create_token(ctx, admin, "ci")
    assert [t.hash for t in identity.list_tokens(ctx, admin)] == ["", ""]


# passwords -------------------------------------------------------------------------------
def test_set_password_then_verify_signs_in(ctx: Context, admin: Principal) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_password(ctx, admin, "alice", "correct horse battery")
    assert identity.verify_password(ctx, "Alice", "correct horse battery").name == "alice"


def test_verify_password_audits_the_sign_in_without_the_password(
    ctx: Context, admin: Principal
) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_password(ctx, admin, "alice", "correct horse battery")

    identity.verify_password(ctx, "alice", "correct horse battery")

    last = audit.audit_trail(ctx, max_results=1000).items[-1]
    assert (last.action, last.actor, last.after) == (
        "user.sign_in",
        "alice",
        {"user": "alice", "method": "password"},
    )
    assert "correct horse" not in repr(last)


def test_verify_password_failure_audits_nothing(ctx: Context, admin: Principal) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_password(ctx, admin, "alice", "correct horse battery")
    before = len(audit.audit_trail(ctx, max_results=1000).items)

    with pytest.raises(Unauthenticated):
        identity.verify_password(ctx, "alice", "wrong password!")

    assert len(audit.audit_trail(ctx, max_results=1000).items) == before


@pytest.mark.parametrize(
    ("name", "password"),
    [("alice", "wrong password!"), ("nobody", "correct horse battery"), ("bad name", "x")],
)
def test_verify_password_failures_say_the_same(
    ctx: Context, admin: Principal, name: str, password: str
) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_password(ctx, admin, "alice", "correct horse battery")
    with pytest.raises(Unauthenticated) as caught:
        identity.verify_password(ctx, name, password)
    assert caught.value.message == REJECTED


def test_set_password_on_service_account_raises_invalid_argument(
    ctx: Context, admin: Principal
) -> None:
    identity.create_user(ctx, admin, "ci", service=True)
    with pytest.raises(InvalidArgument):
        identity.set_password(ctx, admin, "ci", "correct horse battery")


def test_set_password_audits_without_secret_or_hash(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_password(ctx, admin, "alice", "correct horse battery")
    stored = store.repo.get_user("alice").password_hash
    assert stored is not None and stored.startswith("$argon2id$")
    assert store.audit_actions()[-1] == "user.password.set"
    text = audit_text(store)
    assert "correct horse battery" not in text and stored not in text


# grants ----------------------------------------------------------------------------------
def test_editor_cannot_grant_itself_maintainer(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    editor = identity.authenticate(ctx, user_with_token(ctx, admin, "ed", role="editor"))
    before = identity.list_grants(ctx, admin)
    with pytest.raises(PermissionDenied):
        identity.set_grant(ctx, editor, "ed", "maintainer")
    assert identity.list_grants(ctx, admin) == before


def test_grant_to_unknown_user_raises_not_found(ctx: Context, admin: Principal) -> None:
    with pytest.raises(NotFound):
        identity.set_grant(ctx, admin, "ghost", "viewer")


def test_grant_on_unknown_model_raises_not_found(ctx: Context, admin: Principal) -> None:
    identity.create_user(ctx, admin, "alice")
    with pytest.raises(NotFound):
        identity.set_grant(ctx, admin, "alice", "viewer", model="NoSuchModel")


def test_grant_on_model_and_prefix_at_once_raises_invalid_argument(
    ctx: Context, admin: Principal
) -> None:
    identity.create_user(ctx, admin, "alice")
    with pytest.raises(InvalidArgument):
        identity.set_grant(ctx, admin, "alice", "viewer", model="m", prefix="m*")


def test_model_grant_survives_rename(ctx: Context, admin: Principal) -> None:
    models.create_model(ctx, "Fraud")
    identity.create_user(ctx, admin, "alice")
    identity.set_grant(ctx, admin, "alice", "maintainer", model="fraud")
    models.rename_model(ctx, "Fraud", "Scam")
    (grant,) = identity.list_grants(ctx, admin, "alice")
    assert (grant.role, grant.model_name) == (Role.MAINTAINER, "Scam")


def test_set_grant_audits_before_and_after(
    ctx: Context, store: FakeUnitOfWorkFactory, admin: Principal
) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_grant(ctx, admin, "alice", "viewer", prefix="Fraud-*")
    identity.set_grant(ctx, admin, "alice", "editor", prefix="fraud-*")
    event = store.state.audit[-1]
    assert (event.action, event.before) == ("grant.set", {"role": "viewer"})
    assert event.after == {
        "user": "alice",
        "role": "editor",
        "scope": "prefix",
        "prefix": "fraud-*",
    }


def test_revoke_grant_removes_it_and_unknown_raises_not_found(
    ctx: Context, admin: Principal
) -> None:
    identity.create_user(ctx, admin, "alice", role="viewer")
    identity.revoke_grant(ctx, admin, "alice")
    assert identity.list_grants(ctx, admin, "alice") == []
    with pytest.raises(NotFound):
        identity.revoke_grant(ctx, admin, "alice")


def test_user_lists_own_grants_but_not_others(ctx: Context, admin: Principal) -> None:
    bob = identity.authenticate(ctx, user_with_token(ctx, admin, "bob", role="editor"))
    assert [g.scope for g in identity.list_grants(ctx, bob, "bob")] == [Scope.everywhere()]
    with pytest.raises(PermissionDenied):
        identity.list_grants(ctx, bob)


def test_ensure_admin_with_plain_user_named_admin_raises_conflict(ctx: Context) -> None:
    identity.create_user(ctx, Principal.local("root"), "admin")
    with pytest.raises(Conflict, match="admin"):
        identity.ensure_admin(ctx, ADMIN_TOKEN)


def test_create_token_for_disabled_user_raises_conflict(ctx: Context, admin: Principal) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.disable_user(ctx, admin, "alice")
    with pytest.raises(Conflict):
        identity.create_token(ctx, admin, "t", user="alice")


def test_verify_password_of_disabled_user_is_rejected(ctx: Context, admin: Principal) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_password(ctx, admin, "alice", "correct horse battery")
    identity.disable_user(ctx, admin, "alice")
    with pytest.raises(Unauthenticated, match=REJECTED):
        identity.verify_password(ctx, "alice", "correct horse battery")


def test_list_users_leaves_password_hashes_out(ctx: Context, admin: Principal) -> None:
    identity.create_user(ctx, admin, "alice")
    identity.set_password(ctx, admin, "alice", "correct horse battery")
    assert [u.password_hash for u in identity.list_users(ctx, admin)] == [None, None]
