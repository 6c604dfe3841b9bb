"""Model settings and approval requests on every Repository backend, the approval scenario
through the service on each, and racing approvals of one request on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from modelyard.domain.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    Change,
    ChangeKind,
    ModelSettings,
    settings_update,
)
from modelyard.domain.identity import (
    Grant,
    Principal,
    PrincipalKind,
    ReadScope,
    Role,
    Scope,
    User,
)
from modelyard.domain.stages import Stage
from modelyard.errors import ApprovalPending, ModelyardError, NotFound
from modelyard.service import approvals, stages, versions
from modelyard.service.context import Context
from modelyard.service.ports import ApprovalQuery, UnitOfWorkFactory
from tests.contract.builders import at, hexid, model, read, write
from tests.contract.conftest import backends, migrated_url, sql_factory
from tests.fakes import (
    FakeUnitOfWorkFactory,
    FixedClock,
    MemoryBlobStore,
    SequentialIds,
    new_version,
)

FRAUD = model(1, "Fraud")


def _request(n: int, **fields: Any) -> ApprovalRequest:
    change = Change(ChangeKind.TRANSITION, 1, Stage.PRODUCTION, comment="go live é")
    base: dict[str, Any] = {
        "id": hexid(100 + n),
        "model_id": FRAUD.id,
        "name": "Fraud",
        "change": change,
        "requested_by": "eve",
        "requested_at": at(n),
        "expires_at": at(n) + timedelta(days=7),
        "basis": "v1=None|Production=[]",
    }
    base.update(fields)
    return ApprovalRequest(**base)


@pytest.fixture
def repo_with_model(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    write(uow_factory, lambda r: r.add_model(FRAUD))
    return uow_factory


def test_settings_default_when_never_set(repo_with_model: UnitOfWorkFactory) -> None:
    assert read(repo_with_model, lambda r: r.get_model_settings(FRAUD.id)) == ModelSettings()


def test_settings_round_trip(repo_with_model: UnitOfWorkFactory) -> None:
    wanted = ModelSettings(frozenset({"champion", "prod"}), True, True, timedelta(hours=5))
    write(repo_with_model, lambda r: r.put_model_settings(FRAUD.id, wanted, at(1), "max"))
    write(repo_with_model, lambda r: r.put_model_settings(FRAUD.id, wanted, at(2), "max"))
    assert read(repo_with_model, lambda r: r.get_model_settings(FRAUD.id)) == wanted


def test_approval_round_trip(repo_with_model: UnitOfWorkFactory) -> None:
    alias = Change(ChangeKind.ALIAS_DELETE, 3, alias="champion")
    stored = [_request(1), _request(2, change=alias)]
    for r in stored:
        write(repo_with_model, lambda repo, r=r: repo.add_approval(r))
    assert [read(repo_with_model, lambda repo, r=r: repo.get_approval(r.id)) for r in stored] == (
        stored
    )


def test_list_approvals_newest_first_and_filtered(repo_with_model: UnitOfWorkFactory) -> None:
    alias = Change(ChangeKind.ALIAS_SET, 2, alias="champion")
    for r in (_request(1), _request(2, change=alias, requested_by="ed"), _request(3)):
        write(repo_with_model, lambda repo, r=r: repo.add_approval(r))

    def ids(q: ApprovalQuery) -> list[str]:
        return [a.id for a in read(repo_with_model, lambda r: r.list_approvals(q, 0, 10))]

    assert (
        ids(ApprovalQuery()),
        ids(ApprovalQuery(version=2)),
        ids(ApprovalQuery(requested_by="eve", target="stage:Production")),
    ) == ([hexid(103), hexid(102), hexid(101)], [hexid(102)], [hexid(103), hexid(101)])


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (ReadScope(all=False, model_ids=frozenset({hexid(2)})), [hexid(102)]),
        (ReadScope(all=False, prefixes=("fra",)), [hexid(101)]),
        (ReadScope(all=False), []),
    ],
)
def test_list_approvals_only_of_readable_models(
    repo_with_model: UnitOfWorkFactory, scope: ReadScope, expected: list[str]
) -> None:
    churn = model(2, "Churn")
    write(repo_with_model, lambda r: r.add_model(churn))
    write(repo_with_model, lambda r: r.add_approval(_request(1)))
    write(repo_with_model, lambda r: r.add_approval(_request(2, model_id=churn.id)))
    found = read(repo_with_model, lambda r: r.list_approvals(ApprovalQuery(readable=scope), 0, 9))
    assert [a.id for a in found] == expected


def test_decide_approval_only_once(repo_with_model: UnitOfWorkFactory) -> None:
    write(repo_with_model, lambda r: r.add_approval(_request(1)))
    first = write(
        repo_with_model,
        lambda r: r.decide_approval(hexid(101), ApprovalStatus.APPROVED, "max", at(5), "ok"),
    )
    second = write(
        repo_with_model,
        lambda r: r.decide_approval(hexid(101), ApprovalStatus.REJECTED, "ann", at(6), "no"),
    )
    stored = read(repo_with_model, lambda r: r.get_approval(hexid(101)))
    assert (first, second, stored.status, stored.decided_by, stored.decided_at) == (
        True,
        False,
        ApprovalStatus.APPROVED,
        "max",
        at(5),
    )


def test_get_approval_of_deleted_model_is_not_found(repo_with_model: UnitOfWorkFactory) -> None:
    write(repo_with_model, lambda r: r.add_approval(_request(1)))
    write(repo_with_model, lambda r: r.delete_model(FRAUD.id, at(9)))
    with pytest.raises(NotFound):
        read(repo_with_model, lambda r: r.get_approval(hexid(101)))


# the scenario through the service ----------------------------------------------------------


def _code(fn: Any, *args: Any) -> str:
    try:
        fn(*args)
    except ModelyardError as exc:
        return exc.code
    return "OK"


def _ask(call: Any) -> str:
    try:
        call()
    except ApprovalPending as exc:
        assert isinstance(exc.request, ApprovalRequest)
        return exc.request.id
    raise AssertionError("no approval request was made")


def scenario(ctx: Context) -> dict[str, Any]:
    blobs = ctx.blobs
    assert isinstance(blobs, MemoryBlobStore)
    for i in range(3):
        versions.create_version(ctx, "Fraud", new_version(blobs, bytes([i])))
    update = settings_update(protect=["champion"], require_approval_production=True)
    approvals.update_settings(ctx, "Fraud", update)
    approvals.update_settings(ctx, "Fraud", settings_update(four_eyes=True))
    eve, max_ = ctx.as_actor("eve"), ctx.as_actor("max")
    first = _ask(lambda: stages.transition_stage(eve, "Fraud", 1, "Production", comment="c"))
    second = _ask(lambda: stages.transition_stage(eve, "Fraud", 2, "Production"))
    alias = _ask(lambda: stages.set_alias(eve, "Fraud", "champion", 3))
    out: dict[str, Any] = {
        "self": _code(approvals.approve, eve, second),
        "superseded": _code(approvals.approve, max_, first),
        "approved": _code(approvals.approve, max_, second),
        "again": _code(approvals.approve, max_, second),
    }
    versions.delete_version(ctx, "Fraud", 3)
    out["deleted"] = _code(approvals.approve, max_, alias)
    out["stages"] = [versions.get_version(ctx, "Fraud", n).stage.value for n in (1, 2)]
    out["requests"] = [
        (r.change.target, r.status.value, r.decided_by)
        for r in approvals.list_requests(ctx, model="Fraud").items
    ]
    out["audit"] = approvals_audit(ctx)
    return out


def _context(factory: UnitOfWorkFactory) -> Context:
    return Context(factory, MemoryBlobStore(), FixedClock(), SequentialIds(), "root")


@pytest.mark.parametrize("kind", backends(("sqlite", "postgres")))
def test_approval_scenario_matches_the_fake(
    request: pytest.FixtureRequest, kind: str, tmp_path: Path
) -> None:
    expected = scenario(_context(FakeUnitOfWorkFactory()))
    assert expected["approved"] == "OK"
    with sql_factory(migrated_url(request, kind, tmp_path)) as factory:
        assert scenario(_context(factory)) == expected


# racing approvals -------------------------------------------------------------------------


@pytest.fixture(params=backends(("sqlite", "postgres")))
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    with sql_factory(migrated_url(request, request.param, tmp_path)) as factory:
        yield Context(
            factory, MemoryBlobStore(), lambda: datetime.now(UTC), lambda: uuid.uuid4().hex
        )


def test_racing_approvals_execute_exactly_once(live: Context) -> None:
    assert isinstance(live.blobs, MemoryBlobStore)
    versions.create_version(live, "Fraud", new_version(live.blobs, b"w"))
    approvals.update_settings(live, "Fraud", settings_update(protect=["champion"], four_eyes=True))
    request_id = _ask(lambda: stages.set_alias(live.as_actor("eve"), "Fraud", "champion", 1))
    barrier, results = threading.Barrier(4, timeout=30), []

    def approve(name: str) -> None:
        barrier.wait()
        results.append(_code(approvals.approve, live.as_actor(name), request_id))

    threads = [threading.Thread(target=approve, args=(f"m{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    executed = [e for e in approvals_audit(live) if e == "approval.executed"]
    assert (sorted(results), len(executed)) == (
        ["APPROVAL_ALREADY_DECIDED"] * 3 + ["OK"],
        1,
    )


def approvals_audit(ctx: Context) -> list[str]:
    with ctx.uow(write=False) as uow:
        return [e.action for e in uow.repo.list_audit(None, None, 0, 1000)]


# with authenticated principals and grants stored in each backend --------------------------


def _principal(ctx: Context, name: str, role: Role) -> Context:
    user_id = name.ljust(32, "0")
    write(ctx.uow, lambda r: r.add_user(User(user_id, name, PrincipalKind.USER, at(0), "root")))
    grant = Grant(user_id, role, Scope.everywhere())
    write(ctx.uow, lambda r: r.set_grant(grant, at(0), "root"))
    return ctx.as_principal(Principal(name, PrincipalKind.USER, user_id=user_id))


def test_grants_decide_who_requests_and_who_approves(uow_factory: UnitOfWorkFactory) -> None:
    ctx = _context(uow_factory)
    assert isinstance(ctx.blobs, MemoryBlobStore)
    versions.create_version(ctx, "Fraud", new_version(ctx.blobs, b"w"))
    approvals.update_settings(ctx, "Fraud", settings_update(require_approval_production=True))
    eve, ed = _principal(ctx, "eve", Role.EDITOR), _principal(ctx, "ed", Role.EDITOR)
    max_ = _principal(ctx, "max", Role.MAINTAINER)
    asked = _ask(lambda: stages.transition_stage(eve, "Fraud", 1, "Production"))
    outcome = (
        _code(approvals.approve, ed, asked),
        _code(approvals.update_settings, ed, "Fraud", settings_update(four_eyes=True)),
        _code(approvals.approve, max_, asked),
        versions.get_version(ctx, "Fraud", 1).stage,
    )
    assert outcome == ("PERMISSION_DENIED", "PERMISSION_DENIED", "OK", Stage.PRODUCTION)
