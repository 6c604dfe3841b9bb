"""Protected aliases and four-eyes approvals through the service, over the fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from modelyard.domain.approvals import ApprovalRequest, ApprovalStatus, settings_update
from modelyard.domain.entities import ModelVersion
from modelyard.domain.identity import Grant, Principal, PrincipalKind, Role, Scope, User
from modelyard.domain.stages import Stage
from modelyard.errors import (
    ApprovalDecided,
    ApprovalExpired,
    ApprovalPending,
    ApprovalStale,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    SelfApproval,
)
from modelyard.service import approvals, stages, versions
from modelyard.service.context import Context
from tests.fakes import START, FakeUnitOfWorkFactory, FixedClock

Register = Callable[..., ModelVersion]


def as_user(ctx: Context, store: FakeUnitOfWorkFactory, name: str, role: Role) -> Context:
    """``ctx`` acting for a user holding ``role`` globally (created on first use)."""
    user_id = name.ljust(32, "0")[:32]
    try:
        store.repo.get_user_by_id(user_id)
    except NotFound:
        store.repo.add_user(User(user_id, name, PrincipalKind.USER, START, "root"))
    store.repo.set_grant(Grant(user_id, role, Scope.everywhere()), START, "root")
    return ctx.as_principal(Principal(name, PrincipalKind.USER, user_id=user_id))


@pytest.fixture
def fraud(ctx: Context, register: Register) -> None:
    """Model ``Fraud``: v1, v2 and v3; Production needs approval; ``champion`` protected."""
    for _ in range(3):
        register("Fraud")
    update = settings_update(protect=["champion"], require_approval_production=True)
    approvals.update_settings(ctx, "Fraud", update)


def _four_eyes(ctx: Context) -> None:
    approvals.update_settings(ctx, "Fraud", settings_update(four_eyes=True))


def _request(call: Callable[[], object]) -> ApprovalRequest:
    with pytest.raises(ApprovalPending) as caught:
        call()
    assert isinstance(caught.value.request, ApprovalRequest)
    return caught.value.request


def _stage(ctx: Context, number: int) -> Stage:
    return versions.get_version(ctx, "Fraud", number).stage


@pytest.fixture
def editor(ctx: Context, store: FakeUnitOfWorkFactory, fraud: None) -> Context:
    return as_user(ctx, store, "eve", Role.EDITOR)


@pytest.fixture
def maintainer(ctx: Context, store: FakeUnitOfWorkFactory, fraud: None) -> Context:
    return as_user(ctx, store, "max", Role.MAINTAINER)


def _editor_asks_production(editor: Context) -> ApprovalRequest:
    return _request(lambda: stages.transition_stage(editor, "Fraud", 1, "Production", comment="go"))


# settings ------------------------------------------------------------------------------


def test_update_settings_stores_protected_aliases(ctx: Context, fraud: None) -> None:
    assert approvals.get_settings(ctx, "Fraud").protected_aliases == {"champion"}


def test_update_settings_is_audited_with_before_and_after(
    ctx: Context, store: FakeUnitOfWorkFactory, fraud: None
) -> None:
    event = store.state.audit[-1]
    assert (event.action, event.after and event.after["protected_aliases"]) == (
        "model.settings",
        ["champion"],
    )


def test_update_settings_by_editor_is_denied(editor: Context) -> None:
    with pytest.raises(PermissionDenied):
        approvals.update_settings(editor, "Fraud", settings_update(four_eyes=True))


def test_settings_update_with_reserved_alias_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        settings_update(protect=["latest"])


def test_settings_update_with_too_short_expiry_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        settings_update(request_ttl_seconds=5)


def test_unprotect_removes_alias(ctx: Context, fraud: None) -> None:
    approvals.update_settings(ctx, "Fraud", settings_update(unprotect=["champion"]))
    assert approvals.get_settings(ctx, "Fraud").protected_aliases == frozenset()


# what becomes a request ------------------------------------------------------------------


def test_editor_transition_to_production_becomes_request_with_comment(editor: Context) -> None:
    request = _editor_asks_production(editor)
    assert (request.change.comment, request.requested_by, request.status) == (
        "go",
        "eve",
        ApprovalStatus.PENDING,
    )


def test_editor_transition_to_production_leaves_stage_unchanged(
    ctx: Context, editor: Context
) -> None:
    _editor_asks_production(editor)
    assert _stage(ctx, 1) is Stage.NONE


def test_editor_transition_to_staging_happens_directly(editor: Context) -> None:
    assert stages.transition_stage(editor, "Fraud", 1, "Staging").stage is Stage.STAGING


def test_viewer_cannot_even_request(
    ctx: Context, store: FakeUnitOfWorkFactory, fraud: None
) -> None:
    viewer = as_user(ctx, store, "vic", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        stages.transition_stage(viewer, "Fraud", 1, "Production")


def test_maintainer_moves_to_production_directly_without_four_eyes(maintainer: Context) -> None:
    assert stages.transition_stage(maintainer, "Fraud", 1, "Production").stage is Stage.PRODUCTION


def test_maintainer_transition_becomes_request_under_four_eyes(
    ctx: Context, maintainer: Context
) -> None:
    _four_eyes(ctx)
    _request(lambda: stages.transition_stage(maintainer, "Fraud", 1, "Production"))


def test_local_user_moves_directly_without_four_eyes(ctx: Context, fraud: None) -> None:
    assert stages.transition_stage(ctx, "Fraud", 1, "Production").stage is Stage.PRODUCTION


def test_local_user_transition_becomes_request_under_four_eyes(ctx: Context, fraud: None) -> None:
    _four_eyes(ctx)
    _request(lambda: stages.transition_stage(ctx, "Fraud", 1, "Production"))


def test_editor_moving_protected_alias_becomes_request(editor: Context) -> None:
    request = _request(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    assert (request.change.alias, request.change.version) == ("champion", 2)


def test_editor_moves_unprotected_alias_directly(editor: Context) -> None:
    assert "challenger" in stages.set_alias(editor, "Fraud", "challenger", 2).aliases


def test_editor_deleting_protected_alias_becomes_request(ctx: Context, editor: Context) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    _request(lambda: stages.delete_alias(editor, "Fraud", "champion"))
    assert versions.get_version(ctx, "Fraud", "@champion").version == 1


def test_request_is_audited_with_its_comment(store: FakeUnitOfWorkFactory, editor: Context) -> None:
    _editor_asks_production(editor)
    event = store.state.audit[-1]
    assert (event.action, event.actor, event.after and event.after["comment"]) == (
        "approval.requested",
        "eve",
        "go",
    )


def test_newer_request_for_same_target_supersedes_older(ctx: Context, editor: Context) -> None:
    first = _editor_asks_production(editor)
    _request(lambda: stages.transition_stage(editor, "Fraud", 2, "Production"))
    assert approvals.get_request(ctx, first.id).status is ApprovalStatus.SUPERSEDED


# approving -------------------------------------------------------------------------------


def test_approve_carries_out_transition(editor: Context, maintainer: Context) -> None:
    request = _editor_asks_production(editor)
    approvals.approve(maintainer, request.id, "ok")
    assert _stage(maintainer, 1) is Stage.PRODUCTION


def test_approve_records_requesters_comment_in_stage_history(
    editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    approvals.approve(maintainer, request.id)
    assert stages.stage_history(maintainer, "Fraud", 1)[-1].comment == "go"


def test_approve_marks_request_approved_by_approver(editor: Context, maintainer: Context) -> None:
    request = _editor_asks_production(editor)
    done = approvals.approve(maintainer, request.id, "ok")
    assert (done.status, done.decided_by, done.decision_comment) == (
        ApprovalStatus.APPROVED,
        "max",
        "ok",
    )


def test_approve_audits_approval_and_execution(
    store: FakeUnitOfWorkFactory, editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    approvals.approve(maintainer, request.id)
    actions = store.audit_actions()
    assert actions[-3:] == ["approval.approved", "version.transition", "approval.executed"]


def test_approve_moves_protected_alias(editor: Context, maintainer: Context) -> None:
    request = _request(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    approvals.approve(maintainer, request.id)
    assert versions.get_version(maintainer, "Fraud", "@champion").version == 2


def test_approve_deletes_protected_alias(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    request = _request(lambda: stages.delete_alias(editor, "Fraud", "champion"))
    approvals.approve(maintainer, request.id)
    with pytest.raises(NotFound):
        versions.get_version(ctx, "Fraud", "@champion")


def test_approve_own_request_is_refused(ctx: Context, maintainer: Context) -> None:
    _four_eyes(ctx)
    request = _request(lambda: stages.transition_stage(maintainer, "Fraud", 1, "Production"))
    with pytest.raises(SelfApproval):
        approvals.approve(maintainer, request.id)


def test_approve_own_request_under_other_case_is_refused(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context
) -> None:
    request = _editor_asks_production(editor)
    with pytest.raises(SelfApproval):
        approvals.approve(ctx.as_actor("EVE"), request.id)


def test_approve_by_editor_is_denied_and_changes_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context
) -> None:
    request = _editor_asks_production(editor)
    other_editor = as_user(ctx, store, "ed", Role.EDITOR)
    with pytest.raises(PermissionDenied):
        approvals.approve(other_editor, request.id)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.PENDING


def test_approve_twice_is_already_decided(editor: Context, maintainer: Context) -> None:
    request = _editor_asks_production(editor)
    approvals.approve(maintainer, request.id)
    with pytest.raises(ApprovalDecided):
        approvals.approve(maintainer, request.id)


def test_approve_rejected_request_is_already_decided(editor: Context, maintainer: Context) -> None:
    request = _editor_asks_production(editor)
    approvals.reject(maintainer, request.id, "no")
    with pytest.raises(ApprovalDecided):
        approvals.approve(maintainer, request.id)


def test_approve_superseded_request_is_already_decided(
    editor: Context, maintainer: Context
) -> None:
    first = _editor_asks_production(editor)
    _request(lambda: stages.transition_stage(editor, "Fraud", 2, "Production"))
    with pytest.raises(ApprovalDecided):
        approvals.approve(maintainer, first.id)


def test_approve_after_version_deleted_is_stale_and_marks_superseded(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    versions.delete_version(ctx, "Fraud", 1)
    with pytest.raises(ApprovalStale, match="deleted"):
        approvals.approve(maintainer, request.id)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.SUPERSEDED


def test_approve_after_target_changed_is_stale_and_changes_nothing(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    stages.transition_stage(maintainer, "Fraud", 2, "Production")
    with pytest.raises(ApprovalStale):
        approvals.approve(maintainer, request.id)
    assert (_stage(ctx, 1), _stage(ctx, 2)) == (Stage.NONE, Stage.PRODUCTION)


def test_approve_after_alias_moved_is_stale(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = _request(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    stages.set_alias(maintainer, "Fraud", "champion", 3)
    with pytest.raises(ApprovalStale):
        approvals.approve(maintainer, request.id)


def test_approve_expired_request_is_refused_and_marked_expired(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now += timedelta(days=8)
    with pytest.raises(ApprovalExpired):
        approvals.approve(maintainer, request.id)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.EXPIRED


def test_expired_request_is_audited_as_expired(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now += timedelta(days=8)
    with pytest.raises(ApprovalExpired):
        approvals.approve(maintainer, request.id)
    assert store.audit_actions()[-1] == "approval.expired"


def test_pending_request_past_expiry_reads_as_expired(ctx: Context, editor: Context) -> None:
    request = _editor_asks_production(editor)
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now += timedelta(days=8)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.EXPIRED


def test_expire_requests_retires_due_requests(ctx: Context, editor: Context) -> None:
    _editor_asks_production(editor)
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now += timedelta(days=8)
    assert approvals.expire_requests(ctx) == 1


def test_approve_unknown_id_is_not_found(ctx: Context, fraud: None) -> None:
    with pytest.raises(NotFound):
        approvals.approve(ctx, "f" * 32)


def test_approve_malformed_id_is_not_found(ctx: Context, fraud: None) -> None:
    with pytest.raises(NotFound):
        approvals.approve(ctx, "../x")


def test_approve_on_unreadable_model_is_not_found(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context
) -> None:
    request = _editor_asks_production(editor)
    outsider = ctx.as_principal(Principal("out", PrincipalKind.USER, user_id="o" * 32))
    with pytest.raises(NotFound):
        approvals.approve(outsider, request.id)


# rejecting and listing ---------------------------------------------------------------------


def test_reject_leaves_stage_and_records_comment(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    done = approvals.reject(maintainer, request.id, "not yet")
    assert (done.status, done.decision_comment, _stage(ctx, 1)) == (
        ApprovalStatus.REJECTED,
        "not yet",
        Stage.NONE,
    )


def test_requester_may_withdraw_own_request(editor: Context) -> None:
    request = _editor_asks_production(editor)
    assert approvals.reject(editor, request.id).status is ApprovalStatus.REJECTED


def test_list_requests_mine_shows_only_callers(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context
) -> None:
    _editor_asks_production(editor)
    other = as_user(ctx, store, "ed", Role.EDITOR)
    _request(lambda: stages.set_alias(other, "Fraud", "champion", 2))
    assert [r.requested_by for r in approvals.list_requests(editor, mine=True).items] == ["eve"]


def test_list_requests_of_version_shows_its_requests(ctx: Context, editor: Context) -> None:
    _editor_asks_production(editor)
    _request(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    found = approvals.list_requests(ctx, model="Fraud", version="2").items
    assert [r.change.alias for r in found] == ["champion"]


def test_list_requests_by_status_filters(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = _editor_asks_production(editor)
    approvals.reject(maintainer, request.id)
    assert approvals.list_requests(ctx, status="pending").items == []


def test_list_requests_hides_unreadable_models(ctx: Context, editor: Context) -> None:
    _editor_asks_production(editor)
    outsider = ctx.as_principal(Principal("out", PrincipalKind.USER, user_id="o" * 32))
    assert approvals.list_requests(outsider).items == []


def test_list_requests_with_unknown_status_is_invalid(ctx: Context, fraud: None) -> None:
    with pytest.raises(InvalidArgument):
        approvals.list_requests(ctx, status="maybe")


def test_list_requests_with_version_but_no_model_is_invalid(ctx: Context, fraud: None) -> None:
    with pytest.raises(InvalidArgument):
        approvals.list_requests(ctx, version="1")


def test_list_requests_pages_cover_readable_models_only(
    ctx: Context, store: FakeUnitOfWorkFactory, register: Register, editor: Context
) -> None:
    register("Churn")
    approvals.update_settings(ctx, "Churn", settings_update(protect=["champion"]))
    _request(lambda: stages.set_alias(editor, "Churn", "champion", 1))  # the oldest
    _editor_asks_production(editor)
    _request(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    reader = ctx.as_principal(Principal("ro", PrincipalKind.USER, user_id="r" * 32))
    store.repo.add_user(User("r" * 32, "ro", PrincipalKind.USER, START, "root"))
    churn_id = store.repo.get_model_id("Churn")
    store.repo.set_grant(Grant("r" * 32, Role.VIEWER, Scope.model(churn_id)), START, "root")
    page = approvals.list_requests(reader, max_results=1)
    assert ([r.name for r in page.items], page.next_page_token) == (["Churn"], None)


def test_editor_noop_transition_archiving_others_is_denied(ctx: Context, editor: Context) -> None:
    stages.transition_stage(ctx, "Fraud", 1, "Production")
    stages.transition_stage(ctx, "Fraud", 2, "Production", archive_existing=False)
    with pytest.raises(PermissionDenied):
        stages.transition_stage(editor, "Fraud", 1, "Production", archive_existing=True)
    assert _stage(ctx, 2) is Stage.PRODUCTION


def test_editor_repointing_protected_alias_at_same_version_is_denied(
    ctx: Context, editor: Context
) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    with pytest.raises(PermissionDenied):
        stages.set_alias(editor, "Fraud", "champion", 1)
