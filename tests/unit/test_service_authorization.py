"""Every use case checks the caller's permission: the service, over fakes, as a principal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.entities import ModelVersion
from modelyard.domain.identity import Grant, Principal, PrincipalKind, Role, Scope, User
from modelyard.errors import NotFound, PermissionDenied
from modelyard.service import artifacts, audit, maintenance, models, runs, stages, versions
from modelyard.service.context import Context
from modelyard.service.runs import RunSpec
from tests.fakes import START, FakeUnitOfWorkFactory

BOB = Principal("bob", PrincipalKind.USER, user_id="b" * 32, token_id="t" * 32)


@pytest.fixture
def bob(ctx: Context) -> Context:
    return ctx.as_principal(BOB)


def grant(store: FakeUnitOfWorkFactory, role: Role, scope: Scope) -> None:
    repo, bob_id = store.repo, BOB.user_id or ""
    try:
        repo.get_user_by_id(bob_id)
    except NotFound:
        repo.add_user(User(bob_id, "bob", PrincipalKind.USER, START, "root"))
    repo.set_grant(Grant(bob_id, role, scope), START, "root")


def test_create_model_without_grant_is_denied_and_creates_nothing(
    bob: Context, ctx: Context
) -> None:
    with pytest.raises(PermissionDenied):
        models.create_model(bob, "fraud-x")
    assert models.search_models(ctx).items == []


def test_create_model_in_granted_prefix_succeeds(
    bob: Context, store: FakeUnitOfWorkFactory
) -> None:
    grant(store, Role.EDITOR, Scope.prefix("fraud-*"))
    assert models.create_model(bob, "fraud-x").created_by == "bob"


def test_get_model_outside_scope_is_not_found(
    bob: Context, ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    models.create_model(ctx, "secret")
    grant(store, Role.VIEWER, Scope.prefix("fraud-*"))
    with pytest.raises(NotFound, match="does not exist"):
        models.get_model(bob, "secret")


def test_search_models_shows_only_readable_models_with_right_paging(
    bob: Context, ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    for name in ("a-secret", "fraud-1", "fraud-2", "fraud-3", "z-secret"):
        models.create_model(ctx, name)
    grant(store, Role.VIEWER, Scope.prefix("fraud-*"))
    first = models.search_models(bob, max_results=2)
    rest = models.search_models(bob, max_results=2, page_token=first.next_page_token)
    names = [m.name for m in first.items + rest.items]
    assert (names, rest.next_page_token) == (["fraud-1", "fraud-2", "fraud-3"], None)


def test_search_versions_without_grant_is_empty(
    bob: Context, register: Callable[..., ModelVersion]
) -> None:
    register("Fraud")
    assert versions.search_versions(bob).items == []


def test_editor_cannot_move_to_production(
    bob: Context, store: FakeUnitOfWorkFactory, register: Callable[..., ModelVersion]
) -> None:
    register("fraud-x")
    grant(store, Role.EDITOR, Scope.prefix("fraud-*"))
    assert stages.transition_stage(bob, "fraud-x", 1, "Staging").stage.value == "Staging"
    with pytest.raises(PermissionDenied, match=r"stage\.to_production"):
        stages.transition_stage(bob, "fraud-x", 1, "Production")


def test_viewer_cannot_delete_version(
    bob: Context, ctx: Context, store: FakeUnitOfWorkFactory, register: Callable[..., ModelVersion]
) -> None:
    register("Fraud")
    grant(store, Role.VIEWER, Scope.everywhere())
    with pytest.raises(PermissionDenied, match=r"version\.delete"):
        versions.delete_version(bob, "Fraud", 1)
    assert versions.get_version(ctx, "Fraud", 1).version == 1


def test_viewer_cannot_start_run(bob: Context, store: FakeUnitOfWorkFactory) -> None:
    grant(store, Role.VIEWER, Scope.everywhere())
    with pytest.raises(PermissionDenied, match=r"run\.write"):
        runs.start_run(bob, RunSpec(experiment="e"))


def test_prefix_editor_may_log_runs(bob: Context, store: FakeUnitOfWorkFactory) -> None:
    grant(store, Role.EDITOR, Scope.prefix("fraud-*"))
    assert runs.start_run(bob, RunSpec(experiment="e")).user == "bob"


def test_registered_files_of_unreadable_model_are_not_found(
    bob: Context, store: FakeUnitOfWorkFactory, register: Callable[..., ModelVersion]
) -> None:
    register("secret")
    grant(store, Role.VIEWER, Scope.prefix("fraud-*"))
    with pytest.raises(NotFound):
        artifacts.list_artifacts(bob, "modelyard-models/secret/1")


def test_whole_audit_trail_needs_a_global_grant(
    bob: Context, ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    models.create_model(ctx, "fraud-x")
    grant(store, Role.VIEWER, Scope.prefix("fraud-*"))
    assert audit.audit_trail(bob, model="fraud-x").items
    with pytest.raises(PermissionDenied, match=r"audit\.read"):
        audit.audit_trail(bob)


def test_fsck_needs_a_global_admin(bob: Context, store: FakeUnitOfWorkFactory) -> None:
    grant(store, Role.MAINTAINER, Scope.everywhere())
    with pytest.raises(PermissionDenied, match=r"store\.maintain"):
        maintenance.fsck(bob)


def test_audit_actor_is_the_principal(bob: Context, store: FakeUnitOfWorkFactory) -> None:
    grant(store, Role.EDITOR, Scope.everywhere())
    models.create_model(bob.as_actor("mallory"), "Fraud")
    assert models.get_model(bob, "Fraud").created_by == "bob"


def test_audit_event_names_principal_and_token(bob: Context, store: FakeUnitOfWorkFactory) -> None:
    grant(store, Role.EDITOR, Scope.everywhere())
    models.create_model(bob, "Fraud")
    assert store.repo.list_audit(None, None, 0, 10)[-1].actor == f"bob token:{'t' * 32}"


def test_audit_chain_with_token_actors_verifies(
    bob: Context, ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    grant(store, Role.EDITOR, Scope.everywhere())
    models.create_model(bob, "Fraud")
    models.set_model_tag(ctx, "Fraud", "k", "v")
    assert audit.verify_chain(ctx) == 2
