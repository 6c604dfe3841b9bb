"""Repository contract, versions, aliases and stage history: fake, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta, timezone

import pytest

from modelyard.domain.entities import ModelVersion, StageChange
from modelyard.domain.stages import Stage
from modelyard.errors import AlreadyExists, NotFound
from modelyard.service.ports import Repository, UnitOfWorkFactory, VersionUpdate
from tests.contract.builders import (
    add_model,
    add_versions,
    at,
    digest,
    manifest,
    read,
    version,
    write,
)
from tests.contract.conftest import backends


def _get(factory: UnitOfWorkFactory, model_id: str, number: int) -> ModelVersion:
    return read(factory, lambda r: r.get_version(model_id, number))


def _stage(factory: UnitOfWorkFactory, model_id: str, number: int, stage: Stage) -> None:
    write(factory, lambda r: r.update_version(model_id, number, VersionUpdate(stage=stage), at(50)))


# add / get -------------------------------------------------------------------------------
def test_add_version_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    mf = manifest(
        ("model.skops", 123456789012, digest(7)),
        ("MLmodel", 0, digest(8)),
        ("data/deep/é.json", 3, digest(9)),
    )
    v = version(
        m,
        1,
        stage=Stage.STAGING,
        description="first\nwith a newline and ünïcode",
        tags={"data": "2026-q1", "owner": "bob"},
        manifest_digest=mf.digest,
        manifest=mf,
        run_id="f" * 32,
        flavor="sklearn",
        flavor_metadata={
            "estimator": "RandomForest",
            "nested": {"depth": 3, "ratio": 0.25, "none": None, "ok": True, "list": [1, "a"]},
        },
        signature={"inputs": [{"name": "x", "type": "double", "shape": [-1, 4]}], "outputs": []},
        requirements=("scikit-learn==1.5.0", "numpy>=1.26"),
        python_version="3.11.7",
        source="file:///tmp/model",
        created_at=at(1),
        updated_at=at(2),
        created_by="bob",
    )
    write(uow_factory, lambda r: r.add_version(v, None))
    got = _get(uow_factory, m.id, 1)
    assert got == v
    assert got.created_at.utcoffset() == timedelta(0)
    assert got.created_at.microsecond == 123456


def test_add_version_with_no_signature_round_trips_none(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    v = version(m, 1, signature=None, flavor_metadata={})
    write(uow_factory, lambda r: r.add_version(v, None))
    got = _get(uow_factory, m.id, 1)
    assert (got.signature, got.flavor_metadata, got.requirements) == (None, {}, ())


@pytest.mark.parametrize(
    "uow_factory",
    backends(),
    indirect=True,
)
def test_get_version_returns_non_utc_time_as_same_instant_in_utc(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    plus2 = at(1).astimezone(timezone(timedelta(hours=2)))
    write(uow_factory, lambda r: r.add_version(version(m, 1, created_at=plus2), None))
    got = _get(uow_factory, m.id, 1).created_at
    assert (got, got.utcoffset()) == (at(1), timedelta(0))
    assert got.tzinfo == UTC


def test_get_unknown_version_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    with pytest.raises(NotFound):
        _get(uow_factory, m.id, 1)


@pytest.mark.parametrize("uow_factory", backends(), indirect=True)
def test_add_version_with_taken_number_raises_already_exists(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 1)
    with pytest.raises(AlreadyExists):
        write(uow_factory, lambda r: r.add_version(version(m, 1), None))


@pytest.mark.parametrize("uow_factory", backends(), indirect=True)
def test_add_version_with_used_idempotency_key_raises_already_exists(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.add_version(version(m, 1), ("key", "req-1")))
    with pytest.raises(AlreadyExists):
        write(uow_factory, lambda r: r.add_version(version(m, 2), ("key", "req-2")))


# idempotency -----------------------------------------------------------------------------
def test_find_idempotent_returns_request_digest_and_number(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.add_version(version(m, 1), None))
    write(uow_factory, lambda r: r.add_version(version(m, 2), ("retry-1", "a" * 64)))
    assert read(uow_factory, lambda r: r.find_idempotent(m.id, "retry-1")) == ("a" * 64, 2)


def test_find_idempotent_unknown_key_returns_none(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.add_version(version(m, 1), ("retry-1", "a" * 64)))
    assert read(uow_factory, lambda r: r.find_idempotent(m.id, "retry-2")) is None


def test_find_idempotent_is_per_model(uow_factory: UnitOfWorkFactory) -> None:
    a = add_model(uow_factory, 1, "A")
    b = add_model(uow_factory, 2, "B")
    write(uow_factory, lambda r: r.add_version(version(a, 1), ("retry-1", "a" * 64)))
    assert read(uow_factory, lambda r: r.find_idempotent(b.id, "retry-1")) is None
    write(uow_factory, lambda r: r.add_version(version(b, 1), ("retry-1", "b" * 64)))
    assert read(uow_factory, lambda r: r.find_idempotent(b.id, "retry-1")) == ("b" * 64, 1)


# latest / in stage -----------------------------------------------------------------------
def test_latest_version_returns_highest_live_number(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 3)
    assert read(uow_factory, lambda r: r.latest_version(m.id)).version == 3
    write(uow_factory, lambda r: r.delete_version(m.id, 3, at(9)))
    assert read(uow_factory, lambda r: r.latest_version(m.id)).version == 2


def test_latest_version_in_stage_returns_highest_in_that_stage(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 4)
    _stage(uow_factory, m.id, 1, Stage.PRODUCTION)
    _stage(uow_factory, m.id, 2, Stage.PRODUCTION)
    _stage(uow_factory, m.id, 3, Stage.STAGING)
    got = read(uow_factory, lambda r: r.latest_version(m.id, Stage.PRODUCTION))
    assert (got.version, got.stage) == (2, Stage.PRODUCTION)
    assert read(uow_factory, lambda r: r.latest_version(m.id, Stage.NONE)).version == 4


def test_latest_version_without_match_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.latest_version(m.id))
    add_versions(uow_factory, m, 1)
    with pytest.raises(NotFound):
        read(uow_factory, lambda r: r.latest_version(m.id, Stage.ARCHIVED))


def test_versions_in_stage_lists_live_versions_of_that_stage(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    other = add_model(uow_factory, 2, "Other")
    add_versions(uow_factory, m, 4)
    add_versions(uow_factory, other, 1)
    for n in (1, 3, 4):
        _stage(uow_factory, m.id, n, Stage.STAGING)
    _stage(uow_factory, other.id, 1, Stage.STAGING)
    write(uow_factory, lambda r: r.delete_version(m.id, 4, at(9)))
    got = read(uow_factory, lambda r: r.versions_in_stage(m.id, Stage.STAGING))
    assert sorted(v.version for v in got) == [1, 3]
    assert read(uow_factory, lambda r: r.versions_in_stage(m.id, Stage.ARCHIVED)) == []


@pytest.mark.parametrize(
    "uow_factory",
    backends(),
    indirect=True,
)
def test_versions_in_stage_lists_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 3)
    for n in (1, 2, 3):
        _stage(uow_factory, m.id, n, Stage.PRODUCTION)
    got = read(uow_factory, lambda r: r.versions_in_stage(m.id, Stage.PRODUCTION))
    assert [v.version for v in got] == [3, 2, 1]


# update / delete -------------------------------------------------------------------------
def test_update_version_changes_stage_and_updated_at_only(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    (v,) = add_versions(uow_factory, m, 1, description="kept")
    change = VersionUpdate(stage=Stage.PRODUCTION)
    write(uow_factory, lambda r: r.update_version(m.id, 1, change, at(30)))
    assert _get(uow_factory, m.id, 1) == replace(v, stage=Stage.PRODUCTION, updated_at=at(30))


def test_update_version_changes_description_only(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    (v,) = add_versions(uow_factory, m, 1, stage=Stage.STAGING)
    change = VersionUpdate(description="better words")
    write(uow_factory, lambda r: r.update_version(m.id, 1, change, at(30)))
    assert _get(uow_factory, m.id, 1) == replace(v, description="better words", updated_at=at(30))


def test_update_version_with_empty_change_touches_updated_at(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    (v,) = add_versions(uow_factory, m, 1)
    write(uow_factory, lambda r: r.update_version(m.id, 1, VersionUpdate(), at(30)))
    assert _get(uow_factory, m.id, 1) == replace(v, updated_at=at(30))


def test_delete_version_hides_only_that_version(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 3)
    write(uow_factory, lambda r: r.delete_version(m.id, 2, at(9)))
    with pytest.raises(NotFound):
        _get(uow_factory, m.id, 2)
    assert [_get(uow_factory, m.id, n).version for n in (1, 3)] == [1, 3]


# version tags ----------------------------------------------------------------------------
def test_set_version_tag_upserts(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 2, tags={"data": "q1"})
    write(uow_factory, lambda r: r.set_version_tag(m.id, 1, "data", "q2"))
    write(uow_factory, lambda r: r.set_version_tag(m.id, 1, "owner", "bob"))
    assert _get(uow_factory, m.id, 1).tags == {"data": "q2", "owner": "bob"}
    assert _get(uow_factory, m.id, 2).tags == {"data": "q1"}


def test_delete_version_tag_removes_only_that_tag(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 2, tags={"data": "q1", "owner": "bob"})
    write(uow_factory, lambda r: r.delete_version_tag(m.id, 1, "data"))
    assert _get(uow_factory, m.id, 1).tags == {"owner": "bob"}
    assert _get(uow_factory, m.id, 2).tags == {"data": "q1", "owner": "bob"}


@pytest.mark.parametrize("uow_factory", backends(), indirect=True)
def test_set_version_tag_on_missing_version_raises_not_found(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    with pytest.raises(NotFound):
        write(uow_factory, lambda r: r.set_version_tag(m.id, 1, "data", "q1"))
    # otherwise the stray row would be inherited by the version that later gets number 1
    add_versions(uow_factory, m, 1)
    assert _get(uow_factory, m.id, 1).tags == {}


# aliases ---------------------------------------------------------------------------------
def test_set_alias_shows_on_model_and_version(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 2)
    write(uow_factory, lambda r: r.set_alias(m.id, "champion", 1))
    write(uow_factory, lambda r: r.set_alias(m.id, "best", 1))
    write(uow_factory, lambda r: r.set_alias(m.id, "challenger", 2))
    got = read(uow_factory, lambda r: r.get_model("Fraud"))
    assert got.aliases == {"best": 1, "champion": 1, "challenger": 2}
    assert _get(uow_factory, m.id, 1).aliases == ("best", "champion")
    assert _get(uow_factory, m.id, 2).aliases == ("challenger",)


def test_set_alias_again_moves_it(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 2)
    write(uow_factory, lambda r: r.set_alias(m.id, "champion", 1))
    write(uow_factory, lambda r: r.set_alias(m.id, "champion", 2))
    assert read(uow_factory, lambda r: r.get_model("Fraud")).aliases == {"champion": 2}
    assert (_get(uow_factory, m.id, 1).aliases, _get(uow_factory, m.id, 2).aliases) == (
        (),
        ("champion",),
    )


def test_delete_alias_removes_it(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 1)
    write(uow_factory, lambda r: r.set_alias(m.id, "champion", 1))
    write(uow_factory, lambda r: r.set_alias(m.id, "best", 1))
    write(uow_factory, lambda r: r.delete_alias(m.id, "champion"))
    assert read(uow_factory, lambda r: r.get_model("Fraud")).aliases == {"best": 1}
    assert _get(uow_factory, m.id, 1).aliases == ("best",)


def test_aliases_are_per_model(uow_factory: UnitOfWorkFactory) -> None:
    a = add_model(uow_factory, 1, "A")
    b = add_model(uow_factory, 2, "B")
    add_versions(uow_factory, a, 1)
    add_versions(uow_factory, b, 1)
    write(uow_factory, lambda r: r.set_alias(a.id, "champion", 1))
    assert read(uow_factory, lambda r: r.get_model("B")).aliases == {}
    assert _get(uow_factory, b.id, 1).aliases == ()


@pytest.mark.parametrize(
    "uow_factory",
    backends(),
    indirect=True,
)
def test_model_aliases_are_listed_by_name(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 1)
    write(uow_factory, lambda r: [r.set_alias(m.id, a, 1) for a in ("zeta", "alpha", "mid")])
    assert list(read(uow_factory, lambda r: r.get_model("Fraud")).aliases) == [
        "alpha",
        "mid",
        "zeta",
    ]


@pytest.mark.parametrize("uow_factory", backends(), indirect=True)
def test_set_alias_to_missing_version_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    add_versions(uow_factory, m, 2)
    write(uow_factory, lambda r: r.delete_version(m.id, 2, at(9)))
    with pytest.raises(NotFound):
        write(uow_factory, lambda r: r.set_alias(m.id, "champion", 2))  # deleted
    with pytest.raises(NotFound):
        write(uow_factory, lambda r: r.set_alias(m.id, "champion", 7))  # never created
    assert read(uow_factory, lambda r: r.get_model("Fraud")).aliases == {}


# stage history ---------------------------------------------------------------------------
def _change(number: int, src: Stage, dst: Stage, when: int, name: str = "Fraud") -> StageChange:
    return StageChange(name, number, src, dst, "alice", at(when), f"{src} -> {dst}")


def test_stage_history_returns_changes_in_insertion_order(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    other = add_model(uow_factory, 2, "Other")
    add_versions(uow_factory, m, 2)
    changes = [
        _change(2, Stage.NONE, Stage.STAGING, 30),
        _change(1, Stage.NONE, Stage.PRODUCTION, 10),  # earlier time, later insert
        _change(2, Stage.STAGING, Stage.PRODUCTION, 40),
        _change(1, Stage.PRODUCTION, Stage.ARCHIVED, 40),
    ]

    def go(r: Repository) -> None:
        for c in changes[:2]:
            r.add_stage_change(m.id, c)
        r.add_stage_change(other.id, _change(1, Stage.NONE, Stage.STAGING, 5, "Other"))

    write(uow_factory, go)
    write(uow_factory, lambda r: [r.add_stage_change(m.id, c) for c in changes[2:]])
    assert read(uow_factory, lambda r: r.stage_history(m.id, None)) == changes
    assert read(uow_factory, lambda r: r.stage_history(m.id, 2)) == [changes[0], changes[2]]
    assert read(uow_factory, lambda r: r.stage_history(m.id, 3)) == []


@pytest.mark.parametrize("uow_factory", backends(), indirect=True)
def test_delete_absent_tag_or_alias_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    (v,) = add_versions(uow_factory, m, 1, tags={"data": "q1"})
    write(uow_factory, lambda r: [r.set_model_tag(m.id, "team", "risk"), r.set_alias(m.id, "a", 1)])
    write(uow_factory, lambda r: r.delete_model_tag(m.id, "nope"))
    write(uow_factory, lambda r: r.delete_version_tag(m.id, 1, "nope"))
    write(uow_factory, lambda r: r.delete_alias(m.id, "nope"))
    got = read(uow_factory, lambda r: r.get_model("Fraud"))
    assert (got.tags, got.aliases) == ({"team": "risk"}, {"a": 1})
    assert _get(uow_factory, m.id, 1) == replace(v, aliases=("a",))
