"""Repository contract, registered models and units of work: fake, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from modelyard.domain.entities import RegisteredModel
from modelyard.domain.filters import Filter
from modelyard.errors import AlreadyExists, NotFound
from modelyard.service.ports import UnitOfWorkFactory
from tests.contract.builders import (
    add_model,
    add_versions,
    at,
    model,
    read,
    run,
    version,
    write,
)
from tests.contract.conftest import backends

ALL = Filter()


def _get(factory: UnitOfWorkFactory, name: str) -> RegisteredModel:
    return read(factory, lambda r: r.get_model(name))


def _names(factory: UnitOfWorkFactory) -> list[str]:
    return [m.name for m in read(factory, lambda r: r.list_models(ALL, 0, 100))]


# add / get -------------------------------------------------------------------------------
def test_add_model_then_get_returns_every_field(uow_factory: UnitOfWorkFactory) -> None:
    m = model(1, "Fraud", description="detects fraud", created_by="bob", updated_at=at(5))
    write(uow_factory, lambda r: r.add_model(m))
    assert _get(uow_factory, "Fraud") == m


def test_get_model_ignores_case(uow_factory: UnitOfWorkFactory) -> None:
    add_model(uow_factory, 1, "Fraud")
    assert _get(uow_factory, "fRAUD").name == "Fraud"


def test_get_model_with_lock_returns_model(uow_factory: UnitOfWorkFactory) -> None:
    add_model(uow_factory, 1, "Fraud")
    got = write(uow_factory, lambda r: r.get_model("FRAUD", lock=True))
    assert got.id == model(1, "Fraud").id


def test_get_unknown_model_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(NotFound):
        _get(uow_factory, "Nope")


def test_add_model_case_twin_raises_already_exists(uow_factory: UnitOfWorkFactory) -> None:
    add_model(uow_factory, 1, "Fraud")
    with pytest.raises(AlreadyExists):
        add_model(uow_factory, 2, "FRAUD")
    assert _names(uow_factory) == ["Fraud"]


def test_add_model_already_exists_leaves_unit_of_work_usable(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_model(uow_factory, 1, "Fraud")
    with uow_factory(write=True) as uow:
        with pytest.raises(AlreadyExists):
            uow.repo.add_model(model(2, "fraud"))
        uow.repo.add_model(model(3, "Churn"))
        uow.commit()
    assert _names(uow_factory) == ["Churn", "Fraud"]


@pytest.mark.parametrize(
    "uow_factory",
    backends(),
    indirect=True,
)
def test_add_model_stores_its_tags(uow_factory: UnitOfWorkFactory) -> None:
    add_model(uow_factory, 1, "Fraud", tags={"team": "risk"})
    assert _get(uow_factory, "Fraud").tags == {"team": "risk"}


# rename / describe -----------------------------------------------------------------------
def test_rename_model_moves_name_lookup(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.rename_model(m.id, "Scam", at(9)))
    renamed = _get(uow_factory, "scam")
    assert (renamed.id, renamed.name, renamed.updated_at) == (m.id, "Scam", at(9))
    with pytest.raises(NotFound):
        _get(uow_factory, "Fraud")


def test_rename_model_changes_case_of_own_name(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.rename_model(m.id, "FRAUD", at(9)))
    assert _get(uow_factory, "fraud").name == "FRAUD"


def test_rename_model_to_case_twin_of_other_raises_already_exists(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_model(uow_factory, 2, "Churn")
    with pytest.raises(AlreadyExists):
        write(uow_factory, lambda r: r.rename_model(m.id, "CHURN", at(9)))
    assert _names(uow_factory) == ["Churn", "Fraud"]


def test_rename_model_shows_new_name_on_versions(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 1)
    write(uow_factory, lambda r: r.rename_model(m.id, "Scam", at(9)))
    assert read(uow_factory, lambda r: r.get_version(m.id, 1)).name == "Scam"


def test_describe_model_sets_description_and_updated_at(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.describe_model(m.id, "new words", at(7)))
    got = _get(uow_factory, "Fraud")
    assert (got.description, got.updated_at, got.created_at) == ("new words", at(7), at(0))


# delete ----------------------------------------------------------------------------------
def test_delete_model_hides_it(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.delete_model(m.id, at(9)))
    with pytest.raises(NotFound):
        _get(uow_factory, "Fraud")
    assert _names(uow_factory) == []


def test_delete_model_hides_its_versions(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 2)
    write(uow_factory, lambda r: r.delete_model(m.id, at(9)))
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.get_version(m.id, 1))
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.latest_version(m.id))
    assert read(uow_factory, lambda r: r.list_versions(ALL, 0, 100)) == []


def test_delete_model_frees_its_name(uow_factory: UnitOfWorkFactory) -> None:
    old = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, old, 2)
    write(uow_factory, lambda r: r.delete_model(old.id, at(9)))
    new = add_model(uow_factory, 2, "FRAUD")
    got = _get(uow_factory, "fraud")
    assert (got.id, got.latest_version) == (new.id, 0)
    assert write(uow_factory, lambda r: r.allocate_version(new.id)) == 1


# tags ------------------------------------------------------------------------------------
def test_set_model_tag_upserts(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.set_model_tag(m.id, "team", "risk"))
    write(uow_factory, lambda r: r.set_model_tag(m.id, "owner", "bob"))
    write(uow_factory, lambda r: r.set_model_tag(m.id, "team", "ml"))
    assert _get(uow_factory, "Fraud").tags == {"team": "ml", "owner": "bob"}


def test_delete_model_tag_removes_only_that_tag(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.set_model_tag(m.id, "team", "risk"))
    write(uow_factory, lambda r: r.set_model_tag(m.id, "owner", "bob"))
    write(uow_factory, lambda r: r.delete_model_tag(m.id, "team"))
    assert _get(uow_factory, "Fraud").tags == {"owner": "bob"}


def test_model_tags_are_per_model(uow_factory: UnitOfWorkFactory) -> None:
    a = add_model(uow_factory, 1, "A")
    add_model(uow_factory, 2, "B")
    write(uow_factory, lambda r: r.set_model_tag(a.id, "team", "risk"))
    assert _get(uow_factory, "B").tags == {}


# version numbers -------------------------------------------------------------------------
def test_allocate_version_counts_up_from_one(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    first = write(uow_factory, lambda r: [r.allocate_version(m.id) for _ in range(3)])
    second = write(uow_factory, lambda r: r.allocate_version(m.id))
    assert [*first, second] == [1, 2, 3, 4]


def test_allocate_version_is_per_model(uow_factory: UnitOfWorkFactory) -> None:
    a = add_model(uow_factory, 1, "A")
    b = add_model(uow_factory, 2, "B")
    write(uow_factory, lambda r: r.allocate_version(a.id))
    assert write(uow_factory, lambda r: r.allocate_version(b.id)) == 1


def test_allocate_version_never_reuses_deleted_number(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 2)
    write(uow_factory, lambda r: r.delete_version(m.id, 2, at(9)))
    assert write(uow_factory, lambda r: r.allocate_version(m.id)) == 3


def test_latest_version_counts_live_versions_only(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 3)
    assert _get(uow_factory, "Fraud").latest_version == 3
    write(uow_factory, lambda r: r.delete_version(m.id, 3, at(9)))
    assert _get(uow_factory, "Fraud").latest_version == 2


# units of work ---------------------------------------------------------------------------
def test_leaving_unit_of_work_without_commit_discards_everything(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 1)
    with uow_factory(write=True) as uow:
        r = uow.repo
        r.add_model(model(2, "Churn"))
        r.set_model_tag(m.id, "team", "risk")
        r.rename_model(m.id, "Scam", at(8))
        r.add_version(version(m, r.allocate_version(m.id)), ("key", "req"))
        r.set_alias(m.id, "champion", 1)
        r.add_run(run(1))
    assert _names(uow_factory) == ["Fraud"]
    got = _get(uow_factory, "Fraud")
    assert (got.tags, got.aliases, got.latest_version) == ({}, {}, 1)
    assert read(uow_factory, lambda r: r.find_idempotent(m.id, "key")) is None
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.get_run(run(1).id))
    assert write(uow_factory, lambda r: r.allocate_version(m.id)) == 2


def test_exception_in_unit_of_work_discards_everything(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError), uow_factory(write=True) as uow:
        uow.repo.add_model(model(1, "Fraud"))
        raise RuntimeError("boom")
    assert _names(uow_factory) == []


def test_uncommitted_changes_are_invisible_to_other_units_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory(write=True) as writer:
        writer.repo.add_model(model(1, "Fraud"))
        with uow_factory(write=False) as reader, pytest.raises(NotFound):
            reader.repo.get_model("Fraud")
        writer.commit()
    assert _names(uow_factory) == ["Fraud"]


def test_unit_of_work_sees_its_own_changes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.repo.add_model(model(1, "Fraud"))
        assert uow.repo.get_model("fraud").id == model(1, "Fraud").id
