"""The permission table covers every use case, and ``require`` applies it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import modelyard.service
from modelyard.domain.identity import (
    Grant,
    Permission,
    Principal,
    PrincipalKind,
    Role,
    Scope,
    User,
)
from modelyard.domain.stages import Stage
from modelyard.errors import NotFound, PermissionDenied
from modelyard.service import models
from modelyard.service.context import Context
from modelyard.service.permissions import (
    BUILDING_BLOCKS,
    USE_CASES,
    Target,
    permission_for,
    read_scope,
    require,
)
from tests.fakes import START, FakeUnitOfWorkFactory


def public_context_functions(*, with_repo: bool = True) -> set[str]:
    """``module.function`` for every public function of modelyard.service taking a ctx;
    ``with_repo=False`` leaves out the ``(ctx, repo, …)`` steps run inside a unit of work."""
    found = set()
    for info in pkgutil.iter_modules(modelyard.service.__path__):
        module = importlib.import_module(f"modelyard.service.{info.name}")
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__:
                continue  # imported from elsewhere
            params = list(inspect.signature(fn).parameters)
            if params[:1] == ["ctx"] and (with_repo or params[1:2] != ["repo"]):
                found.add(f"{info.name}.{name}")
    return found


def test_every_public_use_case_has_a_permission_entry() -> None:
    missing = public_context_functions(with_repo=False) - set(USE_CASES) - BUILDING_BLOCKS
    assert not missing, f"add these use cases to service/permissions.py USE_CASES: {missing}"


def test_every_permission_entry_names_an_existing_use_case() -> None:
    stale = (set(USE_CASES) | BUILDING_BLOCKS) - public_context_functions()
    assert not stale


def test_building_blocks_are_not_also_use_cases() -> None:
    assert not BUILDING_BLOCKS & set(USE_CASES)


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.NONE, Permission.STAGE_TO_NONE),
        (Stage.STAGING, Permission.STAGE_TO_STAGING),
        (Stage.PRODUCTION, Permission.STAGE_TO_PRODUCTION),
        (Stage.ARCHIVED, Permission.STAGE_TO_ARCHIVED),
    ],
)
def test_transition_entry_follows_target_stage(stage: Stage, expected: Permission) -> None:
    assert permission_for("stages.transition_stage", Target(stage=stage)) is expected


def test_transition_entry_without_stage_refuses() -> None:
    with pytest.raises(ValueError, match="target stage"):
        permission_for("stages.transition_stage")


def test_alias_entry_follows_protection() -> None:
    assert permission_for("stages.set_alias", Target(protected=True)) is (
        Permission.ALIAS_PROTECTED_MOVE
    )
    assert permission_for("stages.set_alias") is Permission.ALIAS_MOVE


def test_own_token_needs_no_permission_but_another_users_does() -> None:
    assert permission_for("identity.create_token", Target(own=True)) is None
    assert permission_for("identity.create_token") is Permission.TOKENS_MANAGE


def test_unknown_use_case_raises_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match=r"models\.nope"):
        permission_for("models.nope")


# require over the fake repository --------------------------------------------------------
BOB = Principal("bob", PrincipalKind.USER, user_id="b" * 32)


def grant_bob(store: FakeUnitOfWorkFactory, role: Role, scope: Scope) -> None:
    repo, bob_id = store.repo, BOB.user_id or ""
    try:
        repo.get_user_by_id(bob_id)
    except NotFound:
        repo.add_user(User(bob_id, "bob", PrincipalKind.USER, START, "root"))
    repo.set_grant(Grant(bob_id, role, scope), START, "root")


def test_require_allows_staging_but_not_production_for_prefix_editor(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    model = models.create_model(ctx, "fraud-x")
    grant_bob(store, Role.EDITOR, Scope.prefix("fraud-*"))
    staging, production = Target(stage=Stage.STAGING), Target(stage=Stage.PRODUCTION)
    require(store.repo, BOB, "stages.transition_stage", model, staging)
    with pytest.raises(PermissionDenied, match=r"stage\.to_production"):
        require(store.repo, BOB, "stages.transition_stage", model, production)


def test_require_on_unreadable_model_raises_not_found(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    model = models.create_model(ctx, "secret-model")
    grant_bob(store, Role.ADMIN, Scope.prefix("fraud-*"))
    with pytest.raises(NotFound, match="secret-model"):
        require(store.repo, BOB, "models.get_model", model)


def test_require_keeps_model_grant_across_rename(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    model = models.create_model(ctx, "Fraud")
    grant_bob(store, Role.MAINTAINER, Scope.model(model.id))
    renamed = models.rename_model(ctx, "Fraud", "Scam")
    require(store.repo, BOB, "stages.rollback", renamed)


def test_require_model_create_matches_prefix_of_new_name(store: FakeUnitOfWorkFactory) -> None:
    grant_bob(store, Role.EDITOR, Scope.prefix("fraud-*"))
    require(store.repo, BOB, "models.create_model", "Fraud-New")
    with pytest.raises(PermissionDenied):
        require(store.repo, BOB, "models.create_model", "churn")


def test_require_lets_local_principal_do_anything(store: FakeUnitOfWorkFactory) -> None:
    require(store.repo, Principal.local("me"), "identity.set_grant")


def test_read_scope_lists_granted_models_and_prefixes(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    model = models.create_model(ctx, "Fraud")
    grant_bob(store, Role.VIEWER, Scope.model(model.id))
    grant_bob(store, Role.EDITOR, Scope.prefix("ch*"))
    scope = read_scope(store.repo, BOB)
    assert (scope.all, scope.model_ids, scope.prefixes) == (False, {model.id}, ("ch",))
