"""The fakes the service tests rely on keep the promises of the ports they stand in for."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest

from modelyard.domain.audit import GENESIS
from modelyard.domain.entities import RegisteredModel
from modelyard.domain.filters import parse_filter
from modelyard.errors import AlreadyExists, IntegrityError, InvalidArgument, NotFound
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

DATA = b"model weights" * 1000
DIGEST = hashlib.sha256(DATA).hexdigest()


def _model(model_id: str, name: str) -> RegisteredModel:
    return RegisteredModel(model_id, name, "", {}, {}, START, START, "alice", 0)


@pytest.mark.parametrize(
    ("port", "fake"),
    [(Repository, FakeRepository), (BlobStore, MemoryBlobStore), (UnitOfWork, FakeUnitOfWork)],
)
def test_fake_implements_every_port_method(port: type, fake: type) -> None:
    wanted = {n for n in vars(port) if not n.startswith("_") and callable(vars(port)[n])}
    assert {n for n in wanted if not callable(getattr(fake, n, None))} == set()


def test_put_returns_digest_and_size() -> None:
    info = MemoryBlobStore().put(io.BytesIO(DATA))
    assert (info.digest, info.size) == (DIGEST, len(DATA))


def test_put_with_matching_expected_digest_stores_blob() -> None:
    blobs = MemoryBlobStore()
    blobs.put(io.BytesIO(DATA), expected="sha256:" + DIGEST)
    assert blobs.missing([DIGEST]) == set()


def test_put_with_mismatched_digest_raises_integrity_error_and_stores_nothing() -> None:
    blobs = MemoryBlobStore()
    with pytest.raises(IntegrityError):
        blobs.put(io.BytesIO(DATA), expected="0" * 64)
    assert list(blobs.digests()) == []


def test_put_with_malformed_expected_digest_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        MemoryBlobStore().put(io.BytesIO(DATA), expected="../../etc/passwd")


def test_missing_returns_only_absent_digests() -> None:
    blobs = MemoryBlobStore()
    blobs.put(io.BytesIO(DATA))
    assert blobs.missing([DIGEST, "a" * 64]) == {"a" * 64}


def test_open_from_offset_returns_tail() -> None:
    blobs = MemoryBlobStore()
    blobs.put(io.BytesIO(DATA))
    assert blobs.open(DIGEST, 10).read() == DATA[10:]


@pytest.mark.parametrize("offset", [-1, len(DATA) + 1])
def test_open_offset_outside_blob_raises_invalid_argument(offset: int) -> None:
    blobs = MemoryBlobStore()
    blobs.put(io.BytesIO(DATA))
    with pytest.raises(InvalidArgument):
        blobs.open(DIGEST, offset)


@pytest.mark.parametrize("method", ["size", "open"])
def test_unknown_blob_raises_not_found(method: str) -> None:
    with pytest.raises(NotFound):
        getattr(MemoryBlobStore(), method)("c" * 64)


def test_delete_twice_is_harmless() -> None:
    blobs = MemoryBlobStore()
    blobs.put(io.BytesIO(DATA))
    blobs.delete(DIGEST)
    blobs.delete(DIGEST)
    assert blobs.missing([DIGEST]) == {DIGEST}


def test_clock_is_utc_and_advances_one_second_per_call() -> None:
    clock = FixedClock()
    first, second = clock(), clock()
    assert (first, second - first) == (datetime(2026, 1, 1, tzinfo=UTC), timedelta(seconds=1))


def test_ids_are_unique_32_char_lowercase_hex() -> None:
    new_id = SequentialIds()
    ids = [new_id() for _ in range(300)]
    assert len(set(ids)) == 300
    assert all(len(i) == 32 and set(i) <= set("0123456789abcdef") for i in ids)


def test_unit_of_work_without_commit_discards_changes() -> None:
    factory = FakeUnitOfWorkFactory()
    with factory(write=True) as uow:
        uow.repo.add_model(_model("m1", "Fraud"))
    assert (factory.state.models, factory.commits) == ({}, 0)


def test_unit_of_work_commit_publishes_changes() -> None:
    factory = FakeUnitOfWorkFactory()
    with factory(write=True) as uow:
        uow.repo.add_model(_model("m1", "Fraud"))
        uow.commit()
    assert (factory.repo.get_model("fraud").id, factory.commits) == ("m1", 1)


def test_unit_of_work_exception_discards_changes() -> None:
    factory = FakeUnitOfWorkFactory()
    with pytest.raises(RuntimeError), factory(write=True) as uow:
        uow.repo.add_model(_model("m1", "Fraud"))
        raise RuntimeError("boom")
    assert factory.state.models == {}


def test_unit_of_work_read_only_commit_is_refused() -> None:
    with pytest.raises(RuntimeError), FakeUnitOfWorkFactory()(write=False) as uow:
        uow.commit()


def test_repository_add_model_case_twin_raises_already_exists() -> None:
    repo = FakeRepository()
    repo.add_model(_model("m1", "Fraud"))
    with pytest.raises(AlreadyExists):
        repo.add_model(_model("m2", "FRAUD"))


def test_repository_allocate_version_never_repeats() -> None:
    repo = FakeRepository()
    repo.add_model(_model("m1", "Fraud"))
    assert [repo.allocate_version("m1") for _ in range(3)] == [1, 2, 3]


def test_repository_audit_head_starts_at_genesis() -> None:
    assert FakeRepository().audit_head() == (0, GENESIS)


def test_repository_list_models_applies_offset_and_limit() -> None:
    repo = FakeRepository()
    for i in range(5):
        repo.add_model(_model(f"m{i}", f"n{i}"))
    assert [m.name for m in repo.list_models(parse_filter(None), 1, 2)] == ["n1", "n2"]
