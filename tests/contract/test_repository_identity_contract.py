"""Repository contract, identity: users, API tokens and grants on fake, SQLite, PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from modelyard.domain.identity import Grant, PrincipalKind, ReadScope, Role, Scope, User
from modelyard.domain.tokens import ApiToken
from modelyard.errors import AlreadyExists, NotFound
from modelyard.service.ports import UnitOfWorkFactory
from tests.contract.builders import add_model, at, digest, hexid, read, write
from tests.contract.conftest import backends


def user(n: int, name: str, **fields: object) -> User:
    base = User(hexid(500 + n), name, PrincipalKind.USER, at(n), "root")
    return replace(base, **fields)  # type: ignore[arg-type]


def token(n: int, owner: User, **fields: object) -> ApiToken:
    base = ApiToken(hexid(900 + n), owner.id, f"t{n}", digest(n), at(n), "root")
    return replace(base, **fields)  # type: ignore[arg-type]


def add_user(factory: UnitOfWorkFactory, n: int, name: str, **fields: object) -> User:
    u = user(n, name, **fields)
    write(factory, lambda r: r.add_user(u))
    return u


# users -----------------------------------------------------------------------------------
def test_add_user_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    u = user(1, "Alice", kind=PrincipalKind.SERVICE, disabled_at=at(5), password_hash="$argon2")
    write(uow_factory, lambda r: r.add_user(u))
    assert read(uow_factory, lambda r: [r.get_user("alice"), r.get_user_by_id(u.id)]) == [u, u]


def test_add_user_with_name_taken_in_other_case_raises_already_exists(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_user(uow_factory, 1, "alice")
    with pytest.raises(AlreadyExists):
        write(uow_factory, lambda r: r.add_user(user(2, "ALICE")))


def test_get_unknown_user_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.get_user("nobody"))
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.get_user_by_id(hexid(1)))


def test_list_users_pages_by_case_folded_name(uow_factory: UnitOfWorkFactory) -> None:
    for n, name in enumerate(["carol", "Bob", "alice"]):
        add_user(uow_factory, n, name)
    names = [u.name for u in read(uow_factory, lambda r: r.list_users(0, 10))]
    assert names == ["alice", "Bob", "carol"]
    assert [u.name for u in read(uow_factory, lambda r: r.list_users(1, 1))] == ["Bob"]


def test_disable_user_and_set_password_hash_persist(uow_factory: UnitOfWorkFactory) -> None:
    u = add_user(uow_factory, 1, "alice")
    write(uow_factory, lambda r: [r.disable_user(u.id, at(9)), r.set_password_hash(u.id, "h")])
    stored = read(uow_factory, lambda r: r.get_user("alice"))
    assert (stored.disabled_at, stored.password_hash) == (at(9), "h")


def test_uncommitted_user_is_not_stored(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.repo.add_user(user(1, "alice"))
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.get_user("alice"))


# tokens ----------------------------------------------------------------------------------
def test_add_token_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    u = add_user(uow_factory, 1, "alice")
    tok = token(1, u, expires_at=at(100), last_used_at=at(3), revoked_at=at(4))
    write(uow_factory, lambda r: r.add_token(tok))
    assert read(uow_factory, lambda r: r.get_token(tok.id)) == tok


def test_get_unknown_token_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.get_token(hexid(1)))


def test_list_tokens_filters_by_user_in_creation_order(uow_factory: UnitOfWorkFactory) -> None:
    a, b = add_user(uow_factory, 1, "alice"), add_user(uow_factory, 2, "bob")
    tokens = [token(3, a), token(1, b), token(2, a)]
    write(uow_factory, lambda r: [r.add_token(t) for t in tokens])
    assert [t.id for t in read(uow_factory, lambda r: r.list_tokens(a.id))] == [
        tokens[2].id,
        tokens[0].id,
    ]
    assert len(read(uow_factory, lambda r: r.list_tokens(None))) == 3


def test_revoke_token_keeps_first_revocation_time(uow_factory: UnitOfWorkFactory) -> None:
    tok = token(1, add_user(uow_factory, 1, "alice"))
    write(uow_factory, lambda r: r.add_token(tok))
    write(uow_factory, lambda r: r.revoke_token(tok.id, at(10)))
    write(uow_factory, lambda r: r.revoke_token(tok.id, at(20)))
    assert read(uow_factory, lambda r: r.get_token(tok.id)).revoked_at == at(10)


def test_touch_token_reports_first_use_once(uow_factory: UnitOfWorkFactory) -> None:
    tok = token(1, add_user(uow_factory, 1, "alice"))
    write(uow_factory, lambda r: r.add_token(tok))
    assert write(uow_factory, lambda r: r.touch_token(tok.id, at(10), at(10 - 60))) is True
    assert write(uow_factory, lambda r: r.touch_token(tok.id, at(11), at(11 - 60))) is False
    assert read(uow_factory, lambda r: r.get_token(tok.id)).last_used_at == at(10)


def test_touch_token_updates_stale_last_use(uow_factory: UnitOfWorkFactory) -> None:
    tok = token(1, add_user(uow_factory, 1, "alice"), last_used_at=at(0))
    write(uow_factory, lambda r: r.add_token(tok))
    assert write(uow_factory, lambda r: r.touch_token(tok.id, at(61), at(1))) is False
    assert read(uow_factory, lambda r: r.get_token(tok.id)).last_used_at == at(61)


# grants ----------------------------------------------------------------------------------
def test_set_grant_returns_role_it_replaced(uow_factory: UnitOfWorkFactory) -> None:
    u = add_user(uow_factory, 1, "alice")
    g = Grant(u.id, Role.EDITOR, Scope.prefix("fraud-*"))
    assert write(uow_factory, lambda r: r.set_grant(g, at(1), "root")) is None
    again = replace(g, role=Role.VIEWER)
    assert write(uow_factory, lambda r: r.set_grant(again, at(2), "root")) is Role.EDITOR
    assert read(uow_factory, lambda r: r.list_grants(u.id)) == [replace(again, user_name="alice")]


def test_list_grants_names_live_models_and_follows_rename(uow_factory: UnitOfWorkFactory) -> None:
    u = add_user(uow_factory, 1, "alice")
    m = add_model(uow_factory, 1, "Fraud")
    g = Grant(u.id, Role.MAINTAINER, Scope.model(m.id))
    write(uow_factory, lambda r: r.set_grant(g, at(1), "root"))
    write(uow_factory, lambda r: r.rename_model(m.id, "Scam", at(2)))
    assert read(uow_factory, lambda r: r.list_grants(None))[0].model_name == "Scam"
    write(uow_factory, lambda r: r.delete_model(m.id, at(3)))
    assert read(uow_factory, lambda r: r.list_grants(None))[0].model_name is None


def test_list_grants_orders_by_user_then_scope(uow_factory: UnitOfWorkFactory) -> None:
    b, a = add_user(uow_factory, 1, "bob"), add_user(uow_factory, 2, "Alice")
    grants = [
        Grant(b.id, Role.VIEWER, Scope.everywhere()),
        Grant(a.id, Role.VIEWER, Scope.prefix("z*")),
        Grant(a.id, Role.ADMIN, Scope.everywhere()),
        Grant(a.id, Role.EDITOR, Scope.prefix("b*")),
    ]
    write(uow_factory, lambda r: [r.set_grant(g, at(1), "root") for g in grants])
    found = [
        (g.user_name, g.scope.kind.value, g.scope.target)
        for g in read(uow_factory, lambda r: r.list_grants(None))
    ]
    assert found == [
        ("Alice", "global", ""),
        ("Alice", "prefix", "b"),
        ("Alice", "prefix", "z"),
        ("bob", "global", ""),
    ]


def test_delete_grant_returns_role_and_unknown_raises_not_found(
    uow_factory: UnitOfWorkFactory,
) -> None:
    u = add_user(uow_factory, 1, "alice")
    write(
        uow_factory, lambda r: r.set_grant(Grant(u.id, Role.ADMIN, Scope.everywhere()), at(1), "x")
    )
    assert write(uow_factory, lambda r: r.delete_grant(u.id, Scope.everywhere())) is Role.ADMIN
    with pytest.raises(NotFound):
        write(uow_factory, lambda r: r.delete_grant(u.id, Scope.everywhere()))


# the read filter compiled to SQL ---------------------------------------------------------
@pytest.mark.parametrize("uow_factory", backends(("sqlite", "postgres")), indirect=True)
@pytest.mark.parametrize(
    "scope",
    [
        ReadScope(all=True),
        ReadScope(all=False),
        ReadScope(all=False, model_ids=frozenset({hexid(2)})),
        ReadScope(all=False, prefixes=("fraud_",)),
        ReadScope(all=False, model_ids=frozenset({hexid(4)}), prefixes=("fraud-", "ch")),
    ],
)
def test_readable_where_admits_what_read_scope_admits(
    uow_factory: UnitOfWorkFactory, scope: ReadScope
) -> None:
    from sqlalchemy import select

    from modelyard.adapters.sql import tables as t
    from modelyard.adapters.sql.identity_repo import readable_where
    from modelyard.adapters.sql.uow import SqlUnitOfWork

    models = [
        add_model(uow_factory, n, name)
        for n, name in enumerate(["Fraud-A", "fraudXb", "Churn", "fraud_c", "other"], start=1)
    ]
    expected = {m.id for m in models if scope.admits(m.id, m.name)}
    with uow_factory(write=False) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        q = select(t.registered_models.c.id).where(readable_where(scope))
        assert set(uow.repo.conn.execute(q).scalars()) == expected
