"""Idempotency-Key claims: the repository's request_keys on every backend, and the service
rule that a key is claimed in the same unit of work as the change it guards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from modelyard.domain.entities import NewVersion
from modelyard.domain.stages import Stage
from modelyard.errors import IdempotencyKeyReused, RequestInProgress
from modelyard.service import audit, idempotency, models, stages, versions
from modelyard.service.context import Context, RequestKey
from modelyard.service.ports import Repository, RequestClaim, StoredResponse, UnitOfWorkFactory
from tests.contract.builders import at, read, write
from tests.contract.conftest import backends, database_url, sql_factory
from tests.fakes import (
    FakeUnitOfWorkFactory,
    FixedClock,
    MemoryBlobStore,
    SequentialIds,
    new_version,
)

OLD = at(0) - timedelta(days=1)  # before every claim's time: nothing has expired


def claim(key: str = "k1", attempt: str = "a1", fingerprint: str = "f" * 64) -> RequestClaim:
    return RequestClaim("alice", key, fingerprint, attempt, at(1))


def _claim(factory: UnitOfWorkFactory, c: RequestClaim, expired_before: datetime = OLD) -> None:
    write(factory, lambda r: r.claim_request(c, expired_before))


# repository ------------------------------------------------------------------------------
def test_claim_request_then_get_returns_claim_without_response(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _claim(uow_factory, claim())
    found = read(uow_factory, lambda r: r.get_request("alice", "k1"))
    assert found is not None
    assert (found.fingerprint, found.created_at, found.response) == ("f" * 64, at(1), None)


def test_claim_request_twice_in_one_unit_of_work_is_a_no_op(
    uow_factory: UnitOfWorkFactory,
) -> None:
    def go(r: Repository) -> None:
        r.claim_request(claim(), OLD)
        r.claim_request(claim(), OLD)

    write(uow_factory, go)
    assert read(uow_factory, lambda r: r.get_request("alice", "k1")) is not None


def test_claim_request_taken_by_other_attempt_raises_request_in_progress(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _claim(uow_factory, claim())
    with pytest.raises(RequestInProgress):
        _claim(uow_factory, claim(attempt="a2"))


def test_claim_request_taken_by_same_attempt_is_kept(uow_factory: UnitOfWorkFactory) -> None:
    _claim(uow_factory, claim())
    _claim(uow_factory, claim())
    assert read(uow_factory, lambda r: r.get_request("alice", "k1")) is not None


def test_claim_request_expired_claim_is_replaced(uow_factory: UnitOfWorkFactory) -> None:
    _claim(uow_factory, claim())
    _claim(uow_factory, replace(claim(attempt="a2", fingerprint="e" * 64), at=at(9)), at(5))
    found = read(uow_factory, lambda r: r.get_request("alice", "k1"))
    assert found is not None and found.fingerprint == "e" * 64


def test_claim_request_keys_are_per_actor(uow_factory: UnitOfWorkFactory) -> None:
    _claim(uow_factory, claim())
    _claim(uow_factory, replace(claim(attempt="a2"), actor="bob"))
    assert read(uow_factory, lambda r: r.get_request("bob", "k1")) is not None


def test_complete_request_stores_response(uow_factory: UnitOfWorkFactory) -> None:
    _claim(uow_factory, claim())
    answer = StoredResponse(201, "application/json", b'{"version": 1}')
    write(uow_factory, lambda r: r.complete_request("alice", "k1", answer))
    found = read(uow_factory, lambda r: r.get_request("alice", "k1"))
    assert found is not None and found.response == answer


def test_complete_request_unclaimed_key_stores_nothing(uow_factory: UnitOfWorkFactory) -> None:
    answer = StoredResponse(200, "application/json", b"{}")
    write(uow_factory, lambda r: r.complete_request("alice", "k1", answer))
    assert read(uow_factory, lambda r: r.get_request("alice", "k1")) is None


def test_purge_requests_removes_only_older_claims(uow_factory: UnitOfWorkFactory) -> None:
    _claim(uow_factory, claim("old"))
    _claim(uow_factory, replace(claim("new"), at=at(10)))
    assert write(uow_factory, lambda r: r.purge_requests(at(5))) == 1
    assert read(uow_factory, lambda r: r.get_request("alice", "old")) is None
    assert read(uow_factory, lambda r: r.get_request("alice", "new")) is not None


# service ---------------------------------------------------------------------------------
@pytest.fixture(params=backends())
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    kind: str = request.param
    if kind == "fake":
        yield Context(FakeUnitOfWorkFactory(), MemoryBlobStore(), FixedClock(), SequentialIds())
        return
    with sql_factory(database_url(request, kind, tmp_path)) as factory:
        yield Context(factory, MemoryBlobStore(), FixedClock(), SequentialIds())


def _spec(ctx: Context, content: bytes) -> NewVersion:
    assert isinstance(ctx.blobs, MemoryBlobStore)
    return new_version(ctx.blobs, content)


def _keyed(ctx: Context, attempt: str) -> Context:
    key = idempotency.request_key("k1", "POST", "/api/v1/models/Fraud/rollback", "", b"", attempt)
    return ctx.with_request_key(key)


def _two_productions(ctx: Context) -> None:
    versions.create_version(ctx, "Fraud", _spec(ctx, b"1"))
    versions.create_version(ctx, "Fraud", _spec(ctx, b"2"))
    stages.transition_stage(ctx, "Fraud", 1, "Production")
    stages.transition_stage(ctx, "Fraud", 2, "Production")


def test_rollback_duplicate_after_first_committed_changes_nothing(ctx: Context) -> None:
    _two_productions(ctx)
    stages.rollback(_keyed(ctx, "attempt-1"), "Fraud")
    events = audit.verify_chain(ctx)
    with pytest.raises(RequestInProgress):
        stages.rollback(_keyed(ctx, "attempt-2"), "Fraud")
    assert audit.verify_chain(ctx) == events
    assert versions.get_version(ctx, "Fraud", "Production").version == 1


def test_request_key_found_with_other_fingerprint_raises_key_reused(ctx: Context) -> None:
    _two_productions(ctx)
    stages.rollback(_keyed(ctx, "attempt-1"), "Fraud")
    other = idempotency.request_key("k1", "POST", "/api/v1/models/Churn/rollback", "", b"", "x")
    with pytest.raises(IdempotencyKeyReused):
        idempotency.find_request(ctx, other)


def test_request_of_several_units_of_work_claims_once(ctx: Context) -> None:
    keyed = _keyed(ctx, "attempt-1")
    models.create_model(keyed, "Fraud")
    models.update_model(keyed, "Fraud", "second unit of work, same request")
    assert models.get_model(ctx, "Fraud").description.startswith("second")


def test_no_op_mutation_claims_nothing(ctx: Context) -> None:
    versions.create_version(ctx, "Fraud", _spec(ctx, b"1"))
    keyed = _keyed(ctx, "attempt-1")
    stages.transition_stage(keyed, "Fraud", 1, Stage.NONE.value)  # already there: no event
    key = keyed.request_key
    assert isinstance(key, RequestKey)
    assert idempotency.find_request(ctx, key) is None
