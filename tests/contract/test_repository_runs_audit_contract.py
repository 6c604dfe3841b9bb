"""Repository contract, runs and the audit chain: fake, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from modelyard.domain.audit import GENESIS
from modelyard.domain.entities import AuditEvent, Dataset, Metric, RunStatus
from modelyard.errors import AlreadyExists, NotFound
from modelyard.service.ports import Repository, UnitOfWorkFactory
from tests.contract.builders import at, audit_chain, digest, model_id_of, read, run, write
from tests.contract.conftest import backends


# runs ------------------------------------------------------------------------------------
def test_add_run_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    r1 = run(
        1,
        experiment="fraud-exp",
        name="nightly",
        user="bob",
        git_commit="0123456789abcdef0123456789abcdef01234567",
        git_dirty=True,
        python_version="3.12.1",
        packages={"scikit-learn": "1.5.0", "numpy": "2.0.1"},
    )
    r2 = run(2, git_commit=None, git_dirty=False)
    write(uow_factory, lambda r: [r.add_run(r1), r.add_run(r2)])
    assert read(uow_factory, lambda r: [r.get_run(r1.id), r.get_run(r2.id)]) == [r1, r2]


def test_get_unknown_run_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.get_run(run(1).id))


@pytest.mark.parametrize(
    "uow_factory",
    backends(),
    indirect=True,
)
def test_add_run_with_taken_id_raises_already_exists(uow_factory: UnitOfWorkFactory) -> None:
    write(uow_factory, lambda r: r.add_run(run(1)))
    with pytest.raises(AlreadyExists):
        write(uow_factory, lambda r: r.add_run(run(1, name="again")))


def test_add_params_accumulates(uow_factory: UnitOfWorkFactory) -> None:
    rid = run(1).id
    write(uow_factory, lambda r: r.add_run(run(1)))
    write(uow_factory, lambda r: r.add_params(rid, {"lr": "0.1", "depth": "3"}))
    write(uow_factory, lambda r: r.add_params(rid, {"seed": "42"}))
    assert read(uow_factory, lambda r: r.get_run(rid)).params == {
        "lr": "0.1",
        "depth": "3",
        "seed": "42",
    }


@pytest.mark.parametrize(
    "uow_factory",
    backends(),
    indirect=True,
)
def test_add_params_with_logged_key_raises_already_exists(uow_factory: UnitOfWorkFactory) -> None:
    rid = run(1).id
    write(uow_factory, lambda r: [r.add_run(run(1)), r.add_params(rid, {"lr": "0.1"})])
    with pytest.raises(AlreadyExists):
        write(uow_factory, lambda r: r.add_params(rid, {"lr": "0.2"}))
    assert read(uow_factory, lambda r: r.get_run(rid)).params == {"lr": "0.1"}


def test_add_metrics_keeps_logged_order_and_steps(uow_factory: UnitOfWorkFactory) -> None:
    rid = run(1).id
    first = [
        Metric("loss", 0.9, 0, at(1)),
        Metric("loss", 0.5, 1, at(2)),
        Metric("acc", 0.7, 1, at(2)),
    ]
    second = [
        Metric("loss", 0.25, 2, at(3)),
        Metric("loss", 0.75, 0, at(4)),  # a re-logged earlier step stays where it was logged
        Metric("big", -1.5e300, 2**62, at(5)),
    ]
    write(uow_factory, lambda r: r.add_run(run(1)))
    write(uow_factory, lambda r: r.add_metrics(rid, first))
    write(uow_factory, lambda r: r.add_metrics(rid, iter(second)))
    write(uow_factory, lambda r: r.add_metrics(rid, []))
    assert read(uow_factory, lambda r: r.get_run(rid)).metrics == (*first, *second)


def test_add_dataset_keeps_logged_order(uow_factory: UnitOfWorkFactory) -> None:
    rid = run(1).id
    train = Dataset("train", digest(1), "s3://bucket/train.parquet", "training")
    test = Dataset("test", digest(2), "file:///data/test.csv")
    write(uow_factory, lambda r: r.add_run(run(1)))
    write(uow_factory, lambda r: r.add_dataset(rid, train))
    write(uow_factory, lambda r: r.add_dataset(rid, test))
    assert read(uow_factory, lambda r: r.get_run(rid)).datasets == (train, test)


def test_set_run_tag_upserts(uow_factory: UnitOfWorkFactory) -> None:
    rid = run(1).id
    write(uow_factory, lambda r: r.add_run(run(1)))
    write(uow_factory, lambda r: r.set_run_tag(rid, "note", "first"))
    write(uow_factory, lambda r: r.set_run_tag(rid, "owner", "bob"))
    write(uow_factory, lambda r: r.set_run_tag(rid, "note", "second"))
    assert read(uow_factory, lambda r: r.get_run(rid)).tags == {"note": "second", "owner": "bob"}


def test_end_run_sets_status_and_end_time(uow_factory: UnitOfWorkFactory) -> None:
    r1 = run(1)
    write(uow_factory, lambda r: r.add_run(r1))
    write(uow_factory, lambda r: r.end_run(r1.id, RunStatus.FAILED, at(60)))
    got = read(uow_factory, lambda r: r.get_run(r1.id))
    assert got == replace(r1, status=RunStatus.FAILED, ended_at=at(60))


def test_run_lineage_is_per_run(uow_factory: UnitOfWorkFactory) -> None:
    a, b = run(1), run(2)

    def go(r: Repository) -> None:
        r.add_run(a)
        r.add_run(b)
        r.add_params(a.id, {"lr": "0.1"})
        r.add_metrics(a.id, [Metric("loss", 0.5, 0, at(1))])
        r.add_dataset(a.id, Dataset("train", digest(1), "x"))
        r.set_run_tag(a.id, "k", "v")
        r.end_run(a.id, RunStatus.FINISHED, at(2))

    write(uow_factory, go)
    assert read(uow_factory, lambda r: r.get_run(b.id)) == b


# audit -----------------------------------------------------------------------------------
def _append(factory: UnitOfWorkFactory, events: list[AuditEvent]) -> None:
    """Add each event in its own committed unit of work."""
    for e in events:
        with factory(write=True) as uow:
            uow.repo.add_audit(e)
            uow.commit()


def _audit(
    factory: UnitOfWorkFactory, model: str | None, since: datetime | None, offset: int, limit: int
) -> list[int]:
    found = read(factory, lambda r: r.list_audit(model, since, offset, limit))
    return [e.seq for e in found]


def test_audit_head_of_empty_trail_is_genesis(uow_factory: UnitOfWorkFactory) -> None:
    assert write(uow_factory, lambda r: r.audit_head()) == (0, GENESIS)


def test_add_audit_moves_head(uow_factory: UnitOfWorkFactory) -> None:
    events = audit_chain(("model.create", "Fraud", None), ("version.create", "Fraud", 1))
    _append(uow_factory, events[:1])
    assert write(uow_factory, lambda r: r.audit_head()) == (1, events[0].hash)
    _append(uow_factory, events[1:])
    assert write(uow_factory, lambda r: r.audit_head()) == (2, events[1].hash)


def test_add_audit_sees_own_head_in_same_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    events = audit_chain(("model.create", "Fraud", None), ("version.create", "Fraud", 1))

    def go(r: Repository) -> tuple[int, str]:
        r.add_audit(events[0])
        r.add_audit(events[1])
        return r.audit_head()

    assert write(uow_factory, go) == (2, events[1].hash)


def test_list_audit_round_trips_events_in_seq_order(uow_factory: UnitOfWorkFactory) -> None:
    events = audit_chain(
        ("run.start", None, None), ("model.create", "Fraud", None), ("version.create", "Fraud", 1)
    )
    _append(uow_factory, events)
    assert read(uow_factory, lambda r: r.list_audit(None, None, 0, 100)) == events


def test_list_audit_pages_with_offset_and_limit(uow_factory: UnitOfWorkFactory) -> None:
    _append(uow_factory, audit_chain(*[("model.update", "Fraud", None)] * 5))
    pages = [_audit(uow_factory, None, None, offset, 2) for offset in (0, 2, 4, 6)]
    assert pages == [[1, 2], [3, 4], [5], []]


def test_list_audit_filters_by_model_id(uow_factory: UnitOfWorkFactory) -> None:
    _append(
        uow_factory,
        audit_chain(
            ("model.create", "Fraud", None),
            ("model.create", "Fraud2", None),
            ("run.start", None, None),
            ("version.create", "Fraud", 1),
        ),
    )
    assert _audit(uow_factory, model_id_of("Fraud"), None, 0, 100) == [1, 4]
    assert _audit(uow_factory, model_id_of("Nope"), None, 0, 100) == []


def test_list_audit_filters_since_inclusive(uow_factory: UnitOfWorkFactory) -> None:
    _append(uow_factory, audit_chain(*[("model.update", "Fraud", None)] * 4))  # at(1) … at(4)
    assert _audit(uow_factory, None, at(3), 0, 100) == [3, 4]
    assert _audit(uow_factory, model_id_of("Fraud"), at(2), 1, 2) == [3, 4]
    assert _audit(uow_factory, None, at(5), 0, 100) == []
