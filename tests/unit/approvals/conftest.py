"""Fixtures of the approval tests: model Fraud with Production gated and ``champion``
protected, and an editor and a maintainer acting on it."""

from __future__ import annotations

import pytest

from modelyard.domain.approvals import settings_update
from modelyard.domain.identity import Role
from modelyard.service import approvals
from modelyard.service.context import Context
from tests.fakes import FakeUnitOfWorkFactory
from tests.unit.approvals.support import Register, as_user


@pytest.fixture
def fraud(ctx: Context, register: Register) -> None:
    """Model ``Fraud``: v1, v2 and v3; Production needs approval; ``champion`` protected."""
    for _ in range(3):
        register("Fraud")
    update = settings_update(protect=["champion"], require_approval_production=True)
    approvals.update_settings(ctx, "Fraud", update)


@pytest.fixture
def editor(ctx: Context, store: FakeUnitOfWorkFactory, fraud: None) -> Context:
    return as_user(ctx, store, "eve", Role.EDITOR)


@pytest.fixture
def maintainer(ctx: Context, store: FakeUnitOfWorkFactory, fraud: None) -> Context:
    return as_user(ctx, store, "max", Role.MAINTAINER)
