"""Rejecting, withdrawing and listing approval requests (service over the fakes)."""

from __future__ import annotations

import pytest

from modelyard.domain.approvals import ApprovalStatus, settings_update
from modelyard.domain.identity import Grant, Principal, PrincipalKind, Role, Scope, User
from modelyard.domain.stages import Stage
from modelyard.errors import (
    InvalidArgument,
    PermissionDenied,
)
from modelyard.service import approvals, stages
from modelyard.service.context import Context
from tests.fakes import START, FakeUnitOfWorkFactory
from tests.unit.approvals.support import (
    Register,
    as_user,
    editor_asks_production,
    request_of,
    stage_of,
)

# rejecting and listing ---------------------------------------------------------------------


def test_reject_leaves_stage_and_records_comment(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    done = approvals.reject(maintainer, request.id, "not yet")
    assert (done.status, done.decision_comment, stage_of(ctx, 1)) == (
        ApprovalStatus.REJECTED,
        "not yet",
        Stage.NONE,
    )


def test_requester_may_withdraw_own_request(editor: Context) -> None:
    request = editor_asks_production(editor)
    assert approvals.reject(editor, request.id).status is ApprovalStatus.REJECTED


def test_list_requests_mine_shows_only_callers(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context
) -> None:
    editor_asks_production(editor)
    other = as_user(ctx, store, "ed", Role.EDITOR)
    request_of(lambda: stages.set_alias(other, "Fraud", "champion", 2))
    assert [r.requested_by for r in approvals.list_requests(editor, mine=True).items] == ["eve"]


def test_list_requests_of_version_shows_its_requests(ctx: Context, editor: Context) -> None:
    editor_asks_production(editor)
    request_of(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    found = approvals.list_requests(ctx, model="Fraud", version="2").items
    assert [r.change.alias for r in found] == ["champion"]


def test_list_requests_by_status_filters(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    approvals.reject(maintainer, request.id)
    assert approvals.list_requests(ctx, status="pending").items == []


def test_list_requests_hides_unreadable_models(ctx: Context, editor: Context) -> None:
    editor_asks_production(editor)
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
    request_of(lambda: stages.set_alias(editor, "Churn", "champion", 1))  # the oldest
    editor_asks_production(editor)
    request_of(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
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
    assert stage_of(ctx, 2) is Stage.PRODUCTION


def test_editor_repointing_protected_alias_at_same_version_is_denied(
    ctx: Context, editor: Context
) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    with pytest.raises(PermissionDenied):
        stages.set_alias(editor, "Fraud", "champion", 1)
