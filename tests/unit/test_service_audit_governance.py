"""check_chain, audit_head and export_audit over the fakes: who may call them, what they
return, and that an export reads page by page and stops at the head it started from."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from modelyard.domain.identity import Principal
from modelyard.errors import InvalidArgument, NotFound, PermissionDenied
from modelyard.service import audit, identity, models
from modelyard.service.context import Context
from tests.fakes import START, FakeUnitOfWork, FakeUnitOfWorkFactory

ADMIN_TOKEN = "operator-chosen-bootstrap-secret-0123456789"


@pytest.fixture
def admin(ctx: Context) -> Principal:
    assert identity.ensure_admin(ctx, ADMIN_TOKEN)
    return identity.authenticate(ctx, ADMIN_TOKEN)


def as_user(ctx: Context, admin: Principal, name: str, role: str | None = None) -> Context:
    identity.create_user(ctx, admin, name, role=role)
    _row, secret = identity.create_token(ctx, admin, "t", user=name)
    return ctx.as_principal(identity.authenticate(ctx, secret))


def test_check_chain_reports_events_and_recorded_head(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    models.create_model(ctx, "Fraud")
    report = audit.check_chain(ctx)
    assert report.ok and report.events == 1
    assert (report.head.seq, report.head.hash) == store.state.head


def test_check_chain_names_first_changed_event(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    for name in ("A", "B", "C"):
        models.create_model(ctx, name)
    store.state.audit[1] = replace(store.state.audit[1], actor="mallory")
    report = audit.check_chain(ctx)
    assert (report.ok, report.broken_at, report.events) == (False, 2, 1)


def test_check_chain_with_malformed_expected_head_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        audit.check_chain(ctx, "latest")


def test_check_chain_by_global_maintainer_is_denied(ctx: Context, admin: Principal) -> None:
    maintainer = as_user(ctx, admin, "bob", "maintainer")
    with pytest.raises(PermissionDenied):
        audit.check_chain(maintainer)


def test_check_chain_by_admin_verifies(ctx: Context, admin: Principal) -> None:
    assert audit.check_chain(ctx.as_principal(admin)).ok


def test_audit_head_by_global_viewer_is_allowed(ctx: Context, admin: Principal) -> None:
    viewer = as_user(ctx, admin, "siem", "viewer")
    assert audit.audit_head(viewer) == audit.audit_head(ctx)


def test_audit_head_by_user_without_global_grant_is_denied(ctx: Context, admin: Principal) -> None:
    models.create_model(ctx, "fraud-a")
    team = as_user(ctx, admin, "carol")
    identity.set_grant(ctx, admin, "carol", "viewer", prefix="fraud-*")
    with pytest.raises(PermissionDenied):
        audit.audit_head(team)


def test_export_of_model_readable_by_prefix_viewer_is_allowed(
    ctx: Context, admin: Principal
) -> None:
    models.create_model(ctx, "fraud-a")
    models.create_model(ctx, "churn")
    team = as_user(ctx, admin, "carol")
    identity.set_grant(ctx, admin, "carol", "viewer", prefix="fraud-*")
    assert [e.model for e in audit.export_audit(team, model="fraud-a")] == ["fraud-a"]


def test_export_of_unreadable_model_looks_unknown(ctx: Context, admin: Principal) -> None:
    models.create_model(ctx, "churn")
    team = as_user(ctx, admin, "carol")
    identity.set_grant(ctx, admin, "carol", "viewer", prefix="fraud-*")
    with pytest.raises(NotFound):
        audit.export_audit(team, model="churn")


def test_export_of_everything_without_global_grant_is_denied_before_streaming(
    ctx: Context, admin: Principal
) -> None:
    team = as_user(ctx, admin, "carol")
    with pytest.raises(PermissionDenied):
        audit.export_audit(team)


@pytest.mark.parametrize("page", [1, 2, 5, 6])
def test_export_reads_in_pages_and_keeps_order(ctx: Context, page: int) -> None:
    for n in range(5):
        models.create_model(ctx, f"m{n}")
    assert [e.seq for e in audit.export_audit(ctx, page=page)] == [1, 2, 3, 4, 5]


def test_export_stops_at_head_it_started_from(ctx: Context) -> None:
    models.create_model(ctx, "A")
    exported = audit.export_audit(ctx)
    models.create_model(ctx, "B")
    assert [e.model for e in exported] == ["A"]


def test_export_since_keeps_later_events(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    models.create_model(ctx, "A")
    later = store.state.audit[0].at + timedelta(microseconds=1)
    assert list(audit.export_audit(ctx, since=later)) == []
    assert len(list(audit.export_audit(ctx, since=START))) == 1


def test_export_since_without_timezone_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        audit.export_audit(ctx, since=START.replace(tzinfo=None))


class WriterBetween:
    """A unit-of-work factory over the fakes that lets another writer commit an event just
    before its ``at``-th unit of work opens: a verification racing live traffic."""

    def __init__(self, writer: Context, inner: FakeUnitOfWorkFactory, at: int) -> None:
        self.writer, self.inner, self.at, self.calls = writer, inner, at, 0

    def __call__(self, *, write: bool) -> FakeUnitOfWork:
        self.calls += 1
        if self.calls == self.at:
            models.create_model(self.writer, f"late{self.calls}")
        return self.inner(write=write)


@pytest.mark.parametrize("at", [2, 3, 4])
def test_check_chain_with_event_appended_during_walk_verifies(
    ctx: Context, store: FakeUnitOfWorkFactory, at: int
) -> None:
    models.create_model(ctx, "A")
    report = audit.check_chain(replace(ctx, uow=WriterBetween(ctx.as_actor("bob"), store, at)))
    assert report.ok, report.problem
    assert report.events in (1, 2) and report.head.seq == report.events
