"""What only the fakes promise: every port method exists, the clock and ids, and the
unit of work's bookkeeping. What the ports promise is run against the fakes by the contract
suites (tests/contract: the fake repository and the memory blob store are backends there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard.domain.entities import RegisteredModel
from modelyard.service.ports import BlobStore, Repository, UnitOfWork
from tests.fakes import (
    START,
    FakeRepository,
    FakeUnitOfWork,
    FakeUnitOfWorkFactory,
    FixedClock,
    MemoryBlobStore,
    SequentialIds,
)


def _model(model_id: str, name: str) -> RegisteredModel:
    return RegisteredModel(model_id, name, "", {}, {}, START, START, "alice", 0)


@pytest.mark.parametrize(
    ("port", "fake"),
    [(Repository, FakeRepository), (BlobStore, MemoryBlobStore), (UnitOfWork, FakeUnitOfWork)],
)
def test_fake_implements_every_port_method(port: type, fake: type) -> None:
    wanted = {n for n in vars(port) if not n.startswith("_") and callable(vars(port)[n])}
    assert {n for n in wanted if not callable(getattr(fake, n, None))} == set()


def test_clock_is_utc_and_advances_one_second_per_call() -> None:
    clock = FixedClock()
    first, second = clock(), clock()
    assert (first, second - first) == (datetime(2026, 1, 1, tzinfo=UTC), timedelta(seconds=1))


def test_ids_are_unique_32_char_lowercase_hex() -> None:
    new_id = SequentialIds()
    ids = [new_id() for _ in range(300)]
    assert len(set(ids)) == 300
    assert all(len(i) == 32 and set(i) <= set("0123456789abcdef") for i in ids)


def test_unit_of_work_commit_publishes_changes() -> None:
    factory = FakeUnitOfWorkFactory()
    with factory(write=True) as uow:
        uow.repo.add_model(_model("m1", "Fraud"))
        uow.commit()
    assert (factory.repo.get_model("fraud").id, factory.commits) == ("m1", 1)


def test_unit_of_work_read_only_commit_is_refused() -> None:
    with pytest.raises(RuntimeError), FakeUnitOfWorkFactory()(write=False) as uow:
        uow.commit()
