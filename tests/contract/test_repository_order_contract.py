"""Repository contract, list_models and list_versions: every order field both ways, several
keys, and paging of ordered results, identical on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from modelyard.domain.filters import VERSION_FIELDS, Filter, parse_filter
from modelyard.domain.ordering import model_order, version_order
from modelyard.domain.stages import Stage
from modelyard.service.ports import Repository, UnitOfWorkFactory, VersionUpdate
from tests.contract.builders import add_model, at, read, version, write

Found = list[tuple[str, int]]


@pytest.fixture
def dated(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """Versions whose every order differs, with ties the tiebreaker must settle.

    version   created  updated  stage
    Fraud/1   5        40       Production
    Fraud/2   1        30       Staging
    Fraud/3   3        3        None
    churn/1   3        40       Archived
    churn/2   4        4        None
    Fraud/4 (deleted), Gone/1 (model deleted)
    """
    fraud = add_model(uow_factory, 1, "Fraud")
    churn = add_model(uow_factory, 2, "churn")
    gone = add_model(uow_factory, 3, "Gone")
    specs = [
        (fraud, 5, 40, Stage.PRODUCTION),
        (fraud, 1, 30, Stage.STAGING),
        (fraud, 3, None, Stage.NONE),
        (fraud, 0, None, Stage.NONE),
        (churn, 3, 40, Stage.ARCHIVED),
        (churn, 4, None, Stage.NONE),
        (gone, 0, None, Stage.NONE),
    ]

    def fill(r: Repository) -> None:
        for m, created, updated, stage in specs:
            n = r.allocate_version(m.id)
            r.add_version(version(m, n, created_at=at(created), updated_at=at(created)), None)
            if updated is not None:
                r.update_version(m.id, n, VersionUpdate(stage=stage), at(updated))

    write(uow_factory, fill)
    write(uow_factory, lambda r: r.delete_version(fraud.id, 4, at(50)))
    write(uow_factory, lambda r: r.delete_model(gone.id, at(50)))
    return uow_factory


VERSION_ORDERS: dict[str, Found] = {
    "name ASC": [("churn", 2), ("churn", 1), ("Fraud", 3), ("Fraud", 2), ("Fraud", 1)],
    "name DESC": [("Fraud", 3), ("Fraud", 2), ("Fraud", 1), ("churn", 2), ("churn", 1)],
    "version ASC": [("churn", 1), ("Fraud", 1), ("churn", 2), ("Fraud", 2), ("Fraud", 3)],
    "version DESC": [("Fraud", 3), ("churn", 2), ("Fraud", 2), ("churn", 1), ("Fraud", 1)],
    "created_at ASC": [("Fraud", 2), ("churn", 1), ("Fraud", 3), ("churn", 2), ("Fraud", 1)],
    "created_at DESC": [("Fraud", 1), ("churn", 2), ("churn", 1), ("Fraud", 3), ("Fraud", 2)],
    "updated_at ASC": [("Fraud", 3), ("churn", 2), ("Fraud", 2), ("churn", 1), ("Fraud", 1)],
    "updated_at DESC": [("churn", 1), ("Fraud", 1), ("Fraud", 2), ("churn", 2), ("Fraud", 3)],
    "stage ASC": [("churn", 2), ("Fraud", 3), ("Fraud", 2), ("Fraud", 1), ("churn", 1)],
    "stage DESC": [("churn", 1), ("Fraud", 1), ("Fraud", 2), ("churn", 2), ("Fraud", 3)],
}


def _ordered(
    factory: UnitOfWorkFactory, order: list[str], offset: int = 0, limit: int = 100
) -> Found:
    parsed = version_order(order)
    found = read(factory, lambda r: r.list_versions(Filter(), offset, limit, parsed))
    return [(v.name, v.version) for v in found]


def test_list_versions_orders_by_each_field_both_ways(dated: UnitOfWorkFactory) -> None:
    assert {text: _ordered(dated, [text]) for text in VERSION_ORDERS} == VERSION_ORDERS


def test_list_versions_orders_by_several_keys(dated: UnitOfWorkFactory) -> None:
    assert _ordered(dated, ["name DESC", "version ASC"]) == [
        ("Fraud", 1),
        ("Fraud", 2),
        ("Fraud", 3),
        ("churn", 1),
        ("churn", 2),
    ]
    assert _ordered(dated, ["stage ASC", "created_at DESC"])[:2] == [("churn", 2), ("Fraud", 3)]


def test_list_versions_default_order_is_name_then_newest(dated: UnitOfWorkFactory) -> None:
    found = read(dated, lambda r: r.list_versions(Filter(), 0, 100))
    assert [(v.name, v.version) for v in found] == VERSION_ORDERS["name ASC"]


def test_list_versions_pages_an_ordered_result(dated: UnitOfWorkFactory) -> None:
    pages = [_ordered(dated, ["created_at DESC"], offset, 2) for offset in (0, 2, 4)]
    assert [v for page in pages for v in page] == VERSION_ORDERS["created_at DESC"]


def test_list_versions_orders_a_filtered_result(dated: UnitOfWorkFactory) -> None:
    parsed = version_order(["updated_at ASC"])
    flt = parse_filter("name = 'fraud'", VERSION_FIELDS)
    found = read(dated, lambda r: r.list_versions(flt, 0, 100, parsed))
    assert [v.version for v in found] == [3, 2, 1]


@pytest.fixture
def dated_models(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """alpha created 2 updated 2; churn created 1 updated 9; Fraud created 2 updated 5."""
    add_model(uow_factory, 1, "alpha", created_at=at(2), updated_at=at(2))
    churn = add_model(uow_factory, 2, "churn", created_at=at(1), updated_at=at(1))
    fraud = add_model(uow_factory, 3, "Fraud", created_at=at(2), updated_at=at(2))
    old = add_model(uow_factory, 4, "old", created_at=at(0), updated_at=at(0))

    def fill(r: Repository) -> None:
        r.describe_model(churn.id, "churn model", at(9))
        r.describe_model(fraud.id, "fraud model", at(5))
        r.delete_model(old.id, at(10))

    write(uow_factory, fill)
    return uow_factory


MODEL_ORDERS = {
    "name ASC": ["alpha", "churn", "Fraud"],
    "name DESC": ["Fraud", "churn", "alpha"],
    "created_at ASC": ["churn", "alpha", "Fraud"],
    "created_at DESC": ["alpha", "Fraud", "churn"],  # the tie at 2 goes by name
    "updated_at ASC": ["alpha", "Fraud", "churn"],
    "updated_at DESC": ["churn", "Fraud", "alpha"],
}


def test_list_models_orders_by_each_field_both_ways(dated_models: UnitOfWorkFactory) -> None:
    def names(text: str) -> list[str]:
        order = model_order([text])
        return [m.name for m in read(dated_models, lambda r: r.list_models(Filter(), 0, 9, order))]

    assert {text: names(text) for text in MODEL_ORDERS} == MODEL_ORDERS


def test_list_models_pages_an_ordered_result(dated_models: UnitOfWorkFactory) -> None:
    order = model_order(["created_at DESC"])

    def page(offset: int) -> list[str]:
        found = read(dated_models, lambda r: r.list_models(Filter(), offset, 2, order))
        return [m.name for m in found]

    assert [page(0), page(2)] == [["alpha", "Fraud"], ["churn"]]
