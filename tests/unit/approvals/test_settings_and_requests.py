"""Model settings, and which changes become approval requests (service over the fakes)."""

from __future__ import annotations

import pytest

from modelyard.domain.approvals import ApprovalStatus, settings_update
from modelyard.domain.identity import Role
from modelyard.domain.stages import Stage
from modelyard.errors import (
    InvalidArgument,
    PermissionDenied,
)
from modelyard.service import approvals, stages, versions
from modelyard.service.context import Context
from tests.fakes import FakeUnitOfWorkFactory
from tests.unit.approvals.support import (
    as_user,
    editor_asks_production,
    four_eyes,
    request_of,
    stage_of,
)

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
    request = editor_asks_production(editor)
    assert (request.change.comment, request.requested_by, request.status) == (
        "go",
        "eve",
        ApprovalStatus.PENDING,
    )


def test_editor_transition_to_production_leaves_stage_unchanged(
    ctx: Context, editor: Context
) -> None:
    editor_asks_production(editor)
    assert stage_of(ctx, 1) is Stage.NONE


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
    four_eyes(ctx)
    request_of(lambda: stages.transition_stage(maintainer, "Fraud", 1, "Production"))


def test_local_user_moves_directly_without_four_eyes(ctx: Context, fraud: None) -> None:
    assert stages.transition_stage(ctx, "Fraud", 1, "Production").stage is Stage.PRODUCTION


def test_local_user_transition_becomes_request_under_four_eyes(ctx: Context, fraud: None) -> None:
    four_eyes(ctx)
    request_of(lambda: stages.transition_stage(ctx, "Fraud", 1, "Production"))


def test_editor_moving_protected_alias_becomes_request(editor: Context) -> None:
    request = request_of(lambda: stages.set_alias(editor, "Fraud", "champion", 2))
    assert (request.change.alias, request.change.version) == ("champion", 2)


def test_editor_moves_unprotected_alias_directly(editor: Context) -> None:
    assert "challenger" in stages.set_alias(editor, "Fraud", "challenger", 2).aliases


def test_editor_deleting_protected_alias_becomes_request(ctx: Context, editor: Context) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    request_of(lambda: stages.delete_alias(editor, "Fraud", "champion"))
    assert versions.get_version(ctx, "Fraud", "@champion").version == 1


def test_request_is_audited_with_its_comment(store: FakeUnitOfWorkFactory, editor: Context) -> None:
    editor_asks_production(editor)
    event = store.state.audit[-1]
    assert (event.action, event.actor, event.after and event.after["comment"]) == (
        "approval.requested",
        "eve",
        "go",
    )


def test_newer_request_for_same_target_supersedes_older(ctx: Context, editor: Context) -> None:
    first = editor_asks_production(editor)
    request_of(lambda: stages.transition_stage(editor, "Fraud", 2, "Production"))
    assert approvals.get_request(ctx, first.id).status is ApprovalStatus.SUPERSEDED
