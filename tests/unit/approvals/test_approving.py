"""Approving a request: the change is carried out once, after every check (service over
the fakes)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from modelyard.domain.approvals import ApprovalStatus
from modelyard.domain.identity import Principal, PrincipalKind, Role
from modelyard.domain.stages import Stage
from modelyard.errors import (
    ApprovalDecided,
    ApprovalExpired,
    ApprovalStale,
    NotFound,
    PermissionDenied,
    SelfApproval,
)
from modelyard.service import approvals, stages, versions
from modelyard.service.context import Context
from tests.fakes import FakeUnitOfWorkFactory, FixedClock
from tests.unit.approvals.support import (
    as_user,
    editor_asks_production,
    four_eyes,
    request_of,
    stage_of,
)

# approving -------------------------------------------------------------------------------


def test_approve_carries_out_transition(editor: Context, maintainer: Context) -> None:
    request = editor_asks_production(editor)
    approvals.approve(maintainer, request.id, "ok")
    assert stage_of(maintainer, 1) is Stage.PRODUCTION


def test_approve_records_requesters_comment_in_stage_history(
    editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    approvals.approve(maintainer, request.id)
    assert stages.stage_history(maintainer, "Fraud", 1)[-1].comment == "go"


def test_approve_marks_request_approved_by_approver(editor: Context, maintainer: Context) -> None:
    request = editor_asks_production(editor)
    done = approvals.approve(maintainer, request.id, "ok")
    assert (done.status, done.decided_by, done.decision_comment) == (
        ApprovalStatus.APPROVED,
        "max",
        "ok",
    )


def test_approve_audits_approval_and_execution(
    store: FakeUnitOfWorkFactory, editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    approvals.approve(maintainer, request.id)
    actions = store.audit_actions()
    assert actions[-3:] == ["approval.approved", "version.transition", "approval.executed"]


def test_approve_moves_protected_alias(editor: Context, maintainer: Context) -> None:
    request = request_of(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    approvals.approve(maintainer, request.id)
    assert versions.get_version(maintainer, "Fraud", "@champion").version == 2


def test_approve_deletes_protected_alias(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    request = request_of(lambda: stages.delete_alias(editor, "Fraud", "champion"))
    approvals.approve(maintainer, request.id)
    with pytest.raises(NotFound):
        versions.get_version(ctx, "Fraud", "@champion")


def test_approve_own_request_is_refused(ctx: Context, maintainer: Context) -> None:
    four_eyes(ctx)
    request = request_of(lambda: stages.transition_stage(maintainer, "Fraud", 1, "Production"))
    with pytest.raises(SelfApproval):
        approvals.approve(maintainer, request.id)


def test_approve_own_request_under_other_case_is_refused(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context
) -> None:
    request = editor_asks_production(editor)
    with pytest.raises(SelfApproval):
        approvals.approve(ctx.as_actor("EVE"), request.id)


def test_approve_by_editor_is_denied_and_changes_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context
) -> None:
    request = editor_asks_production(editor)
    other_editor = as_user(ctx, store, "ed", Role.EDITOR)
    with pytest.raises(PermissionDenied):
        approvals.approve(other_editor, request.id)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.PENDING


def test_approve_twice_is_already_decided(editor: Context, maintainer: Context) -> None:
    request = editor_asks_production(editor)
    approvals.approve(maintainer, request.id)
    with pytest.raises(ApprovalDecided):
        approvals.approve(maintainer, request.id)


def test_approve_rejected_request_is_already_decided(editor: Context, maintainer: Context) -> None:
    request = editor_asks_production(editor)
    approvals.reject(maintainer, request.id, "no")
    with pytest.raises(ApprovalDecided):
        approvals.approve(maintainer, request.id)


def test_approve_superseded_request_is_already_decided(
    editor: Context, maintainer: Context
) -> None:
    first = editor_asks_production(editor)
    request_of(lambda: stages.transition_stage(editor, "Fraud", 2, "Production"))
    with pytest.raises(ApprovalDecided):
        approvals.approve(maintainer, first.id)


def test_approve_after_version_deleted_is_stale_and_marks_superseded(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    versions.delete_version(ctx, "Fraud", 1)
    with pytest.raises(ApprovalStale, match="deleted"):
        approvals.approve(maintainer, request.id)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.SUPERSEDED


def test_approve_after_target_changed_is_stale_and_changes_nothing(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    stages.transition_stage(maintainer, "Fraud", 2, "Production")
    with pytest.raises(ApprovalStale):
        approvals.approve(maintainer, request.id)
    assert (stage_of(ctx, 1), stage_of(ctx, 2)) == (Stage.NONE, Stage.PRODUCTION)


def test_approve_after_alias_moved_is_stale(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = request_of(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    stages.set_alias(maintainer, "Fraud", "champion", 3)
    with pytest.raises(ApprovalStale):
        approvals.approve(maintainer, request.id)


def test_approve_expired_request_is_refused_and_marked_expired(
    ctx: Context, editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now += timedelta(days=8)
    with pytest.raises(ApprovalExpired):
        approvals.approve(maintainer, request.id)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.EXPIRED


def test_expired_request_is_audited_as_expired(
    ctx: Context, store: FakeUnitOfWorkFactory, editor: Context, maintainer: Context
) -> None:
    request = editor_asks_production(editor)
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now += timedelta(days=8)
    with pytest.raises(ApprovalExpired):
        approvals.approve(maintainer, request.id)
    assert store.audit_actions()[-1] == "approval.expired"


def test_pending_request_past_expiry_reads_as_expired(ctx: Context, editor: Context) -> None:
    request = editor_asks_production(editor)
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now += timedelta(days=8)
    assert approvals.get_request(ctx, request.id).status is ApprovalStatus.EXPIRED


def test_expire_requests_retires_due_requests(ctx: Context, editor: Context) -> None:
    editor_asks_production(editor)
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
    request = editor_asks_production(editor)
    outsider = ctx.as_principal(Principal("out", PrincipalKind.USER, user_id="o" * 32))
    with pytest.raises(NotFound):
        approvals.approve(outsider, request.id)
