"""Helpers of the approval tests: acting as a user with a role, catching a request."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.approvals import ApprovalRequest, settings_update
from modelyard.domain.entities import ModelVersion
from modelyard.domain.identity import Grant, Principal, PrincipalKind, Role, Scope, User
from modelyard.domain.stages import Stage
from modelyard.errors import (
    ApprovalPending,
    NotFound,
)
from modelyard.service import approvals, stages, versions
from modelyard.service.context import Context
from tests.fakes import START, FakeUnitOfWorkFactory

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


def four_eyes(ctx: Context) -> None:
    approvals.update_settings(ctx, "Fraud", settings_update(four_eyes=True))


def request_of(call: Callable[[], object]) -> ApprovalRequest:
    with pytest.raises(ApprovalPending) as caught:
        call()
    assert isinstance(caught.value.request, ApprovalRequest)
    return caught.value.request


def stage_of(ctx: Context, number: int) -> Stage:
    return versions.get_version(ctx, "Fraud", number).stage


def editor_asks_production(editor: Context) -> ApprovalRequest:
    return request_of(
        lambda: stages.transition_stage(editor, "Fraud", 1, "Production", comment="go")
    )
