"""Repository contract, list_models and list_versions: every filter field and operator,
every order field both ways, ordering and paging, identical on the fake, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from modelyard.domain.filters import MODEL_FIELDS, VERSION_FIELDS, Clause, Filter, parse_filter
from modelyard.domain.ordering import model_order, version_order
from modelyard.domain.stages import Stage
from modelyard.service.ports import Repository, UnitOfWorkFactory, VersionUpdate
from tests.contract.builders import add_model, at, hexid, read, version, write
from tests.contract.conftest import backends

R1, R2 = hexid(501), hexid(502)
Found = list[tuple[str, int]]


def _versions(factory: UnitOfWorkFactory, flt: Filter, offset: int = 0, limit: int = 100) -> Found:
    found = read(factory, lambda r: r.list_versions(flt, offset, limit))
    return [(v.name, v.version) for v in found]


def _search(factory: UnitOfWorkFactory, texts: list[str]) -> dict[str, Found]:
    return {t: _versions(factory, parse_filter(t, VERSION_FIELDS)) for t in texts}


def _models(factory: UnitOfWorkFactory, text: str, offset: int = 0, limit: int = 100) -> list[str]:
    flt = parse_filter(text, MODEL_FIELDS)
    return [m.name for m in read(factory, lambda r: r.list_models(flt, offset, limit))]


@pytest.fixture
def catalog(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """Fraud 1-3 and churn 1-2 live; a deleted version and a deleted model hidden.

    Fraud/1 Production  tags data=Q1-2026            run R1
    Fraud/2 Staging     tags data=q2-2026 owner=bob  alias champion
    Fraud/3 None                                     alias challenger  run R2
    Fraud/4 (deleted)   tags data=Q1-2026            alias gone
    churn/1 Archived    tags data=Q1-2026
    churn/2 None                                     alias champion    run R1
    Gone/1  (model deleted) tags data=Q1-2026        run R1
    """
    fraud = add_model(uow_factory, 1, "Fraud")
    churn = add_model(uow_factory, 2, "churn")
    gone = add_model(uow_factory, 3, "Gone")
    specs = [
        (fraud, Stage.PRODUCTION, {"data": "Q1-2026"}, R1),
        (fraud, Stage.STAGING, {"data": "q2-2026", "owner": "bob"}, None),
        (fraud, Stage.NONE, {}, R2),
        (fraud, Stage.NONE, {"data": "Q1-2026"}, None),
        (churn, Stage.ARCHIVED, {"data": "Q1-2026"}, None),
        (churn, Stage.NONE, {}, R1),
        (gone, Stage.NONE, {"data": "Q1-2026"}, R1),
    ]

    def fill(r: Repository) -> None:
        for m, stage, tags, run_id in specs:
            n = r.allocate_version(m.id)
            r.add_version(version(m, n, tags=tags, run_id=run_id), None)
            if stage is not Stage.NONE:
                r.update_version(m.id, n, VersionUpdate(stage=stage), at(20))
        r.set_alias(fraud.id, "champion", 2)
        r.set_alias(fraud.id, "challenger", 3)
        r.set_alias(fraud.id, "gone", 4)
        r.set_alias(churn.id, "champion", 2)

    write(uow_factory, fill)
    write(uow_factory, lambda r: r.delete_version(fraud.id, 4, at(30)))
    write(uow_factory, lambda r: r.delete_model(gone.id, at(30)))
    return uow_factory


# list_versions ---------------------------------------------------------------------------
def test_list_versions_orders_by_name_ignoring_case_then_newest_first(
    catalog: UnitOfWorkFactory,
) -> None:
    assert _versions(catalog, Filter()) == [
        ("churn", 2),
        ("churn", 1),
        ("Fraud", 3),
        ("Fraud", 2),
        ("Fraud", 1),
    ]


def test_list_versions_pages_with_offset_and_limit(catalog: UnitOfWorkFactory) -> None:
    pages = [_versions(catalog, Filter(), offset, 2) for offset in (0, 2, 4, 6)]
    assert pages == [
        [("churn", 2), ("churn", 1)],
        [("Fraud", 3), ("Fraud", 2)],
        [("Fraud", 1)],
        [],
    ]


def test_list_versions_filters_by_name(catalog: UnitOfWorkFactory) -> None:
    fraud = [("Fraud", 3), ("Fraud", 2), ("Fraud", 1)]
    churn = [("churn", 2), ("churn", 1)]
    assert _search(
        catalog,
        [
            "name = 'FRAUD'",
            "name != 'fraud'",
            "name LIKE 'Fr%'",
            "name LIKE 'fr%'",
            "name LIKE 'F_aud'",
            "name ILIKE 'fR%'",
            "name ILIKE '%U%'",
            "name = 'Gone'",
        ],
    ) == {
        "name = 'FRAUD'": fraud,
        "name != 'fraud'": churn,
        "name LIKE 'Fr%'": fraud,
        "name LIKE 'fr%'": [],
        "name LIKE 'F_aud'": fraud,
        "name ILIKE 'fR%'": fraud,
        "name ILIKE '%U%'": churn + fraud,
        "name = 'Gone'": [],
    }


def test_list_versions_filters_by_version(catalog: UnitOfWorkFactory) -> None:
    assert _search(catalog, ["version = 2", "version != 2", "version = 4"]) == {
        "version = 2": [("churn", 2), ("Fraud", 2)],
        "version != 2": [("churn", 1), ("Fraud", 3), ("Fraud", 1)],
        "version = 4": [],
    }


def test_list_versions_filters_by_stage(catalog: UnitOfWorkFactory) -> None:
    assert _search(
        catalog,
        [
            "stage = 'production'",
            "stage != 'None'",
            "stage LIKE 'Pro%'",
            "stage LIKE 'pro%'",
            "stage ILIKE '%ING'",
        ],
    ) == {
        "stage = 'production'": [("Fraud", 1)],
        "stage != 'None'": [("churn", 1), ("Fraud", 2), ("Fraud", 1)],
        "stage LIKE 'Pro%'": [("Fraud", 1)],
        "stage LIKE 'pro%'": [],
        "stage ILIKE '%ING'": [("Fraud", 2)],
    }


def test_list_versions_filters_by_run_id(catalog: UnitOfWorkFactory) -> None:
    assert _search(
        catalog,
        [f"run_id = '{R1}'", f"run_id != '{R1}'", "run_id LIKE '%1f6'", "run_id ILIKE '%1F_'"],
    ) == {
        f"run_id = '{R1}'": [("churn", 2), ("Fraud", 1)],
        f"run_id != '{R1}'": [("Fraud", 3)],  # a version without a run matches no comparison
        "run_id LIKE '%1f6'": [("Fraud", 3)],
        "run_id ILIKE '%1F_'": [("churn", 2), ("Fraud", 3), ("Fraud", 1)],
    }


def test_list_versions_filters_by_alias(catalog: UnitOfWorkFactory) -> None:
    assert _search(
        catalog,
        [
            "alias = 'champion'",
            "alias != 'champion'",
            "alias LIKE 'ch%'",
            "alias LIKE 'CH%'",
            "alias ILIKE 'CHALL%'",
            "alias = 'gone'",
        ],
    ) == {
        "alias = 'champion'": [("churn", 2), ("Fraud", 2)],
        "alias != 'champion'": [("Fraud", 3)],  # a version without an alias matches nothing
        "alias LIKE 'ch%'": [("churn", 2), ("Fraud", 3), ("Fraud", 2)],
        "alias LIKE 'CH%'": [],
        "alias ILIKE 'CHALL%'": [("Fraud", 3)],
        "alias = 'gone'": [],
    }


def test_list_versions_filters_by_tag(catalog: UnitOfWorkFactory) -> None:
    assert _search(
        catalog,
        [
            "tags.data = 'Q1-2026'",
            "tags.`data` = 'Q1-2026'",
            "tags.data != 'Q1-2026'",
            "tags.data LIKE 'q%'",
            "tags.data LIKE 'Q1_2026'",
            "tags.data ILIKE 'q%'",
            "tags.owner = 'bob'",
            "tags.missing != 'x'",
        ],
    ) == {
        "tags.data = 'Q1-2026'": [("churn", 1), ("Fraud", 1)],
        "tags.`data` = 'Q1-2026'": [("churn", 1), ("Fraud", 1)],
        "tags.data != 'Q1-2026'": [("Fraud", 2)],  # untagged versions do not match
        "tags.data LIKE 'q%'": [("Fraud", 2)],
        "tags.data LIKE 'Q1_2026'": [("churn", 1), ("Fraud", 1)],
        "tags.data ILIKE 'q%'": [("churn", 1), ("Fraud", 2), ("Fraud", 1)],
        "tags.owner = 'bob'": [("Fraud", 2)],
        "tags.missing != 'x'": [],
    }


def test_list_versions_ands_clauses(catalog: UnitOfWorkFactory) -> None:
    assert _search(
        catalog,
        [
            "name = 'fraud' AND tags.data ILIKE 'Q%'",
            "alias = 'champion' AND stage = 'None'",
            f"run_id = '{R1}' AND version = 2 AND name ILIKE 'C%'",
        ],
    ) == {
        "name = 'fraud' AND tags.data ILIKE 'Q%'": [("Fraud", 2), ("Fraud", 1)],
        "alias = 'champion' AND stage = 'None'": [("churn", 2)],
        f"run_id = '{R1}' AND version = 2 AND name ILIKE 'C%'": [("churn", 2)],
    }


def test_list_versions_pages_a_filtered_result(catalog: UnitOfWorkFactory) -> None:
    flt = parse_filter("tags.data ILIKE 'q%'", VERSION_FIELDS)
    assert [_versions(catalog, flt, offset, 2) for offset in (0, 2)] == [
        [("churn", 1), ("Fraud", 2)],
        [("Fraud", 1)],
    ]


@pytest.mark.parametrize("uow_factory", backends(), indirect=True)
def test_list_versions_like_treats_backslash_alike(uow_factory: UnitOfWorkFactory) -> None:
    m = add_model(uow_factory, 1, "Fraud")

    def fill(r: Repository) -> None:
        r.add_version(version(m, 1, tags={"path": "C:\\data"}), None)
        r.add_version(version(m, 2, tags={"path": "C:data"}), None)

    write(uow_factory, fill)
    found = {
        op: _versions(uow_factory, Filter((Clause("tag", op, "C:\\d%", "path"),)))
        for op in ("LIKE", "ILIKE")
    }
    assert found == {"LIKE": [("Fraud", 1)], "ILIKE": [("Fraud", 1)]}


@pytest.mark.parametrize("uow_factory", backends(), indirect=True)
def test_list_versions_ilike_ignores_case_of_non_ascii_letters(
    uow_factory: UnitOfWorkFactory,
) -> None:
    m = add_model(uow_factory, 1, "Fraud")
    write(uow_factory, lambda r: r.add_version(version(m, 1, tags={"step": "Évaluation"}), None))
    found = {
        pattern: _versions(uow_factory, Filter((Clause("tag", "ILIKE", pattern, "step"),)))
        for pattern in ("évaluation", "ÉVAL%", "%ÉVALUATION")
    }
    assert found == {pattern: [("Fraud", 1)] for pattern in found}


# list_models -----------------------------------------------------------------------------
@pytest.fixture
def models(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    fraud = add_model(uow_factory, 1, "Fraud")
    churn = add_model(uow_factory, 2, "churn")
    add_model(uow_factory, 3, "alpha")
    gone = add_model(uow_factory, 4, "Fraud-old")

    def fill(r: Repository) -> None:
        r.set_model_tag(fraud.id, "team", "risk")
        r.set_model_tag(fraud.id, "tier", "Gold")
        r.set_model_tag(churn.id, "team", "growth")
        r.set_model_tag(gone.id, "team", "risk")
        for _ in range(2):
            r.add_version(version(fraud, r.allocate_version(fraud.id)), None)
        r.delete_model(gone.id, at(9))

    write(uow_factory, fill)
    return uow_factory


def test_list_models_orders_by_name_ignoring_case(models: UnitOfWorkFactory) -> None:
    assert _models(models, "") == ["alpha", "churn", "Fraud"]


def test_list_models_shows_latest_version_and_tags(models: UnitOfWorkFactory) -> None:
    found = read(models, lambda r: r.list_models(Filter(), 0, 100))
    assert [(m.name, m.latest_version, m.tags) for m in found] == [
        ("alpha", 0, {}),
        ("churn", 0, {"team": "growth"}),
        ("Fraud", 2, {"team": "risk", "tier": "Gold"}),
    ]


def test_list_models_pages_with_offset_and_limit(models: UnitOfWorkFactory) -> None:
    assert [_models(models, "", offset, 2) for offset in (0, 2, 3)] == [
        ["alpha", "churn"],
        ["Fraud"],
        [],
    ]


def test_list_models_filters_by_name(models: UnitOfWorkFactory) -> None:
    texts = [
        "name = 'fraud'",
        "name != 'FRAUD'",
        "name LIKE '%r%'",
        "name LIKE 'F%'",
        "name LIKE 'f%'",
        "name ILIKE 'f%'",
        "name ILIKE '_HURN'",
        "name = 'Fraud-old'",
    ]
    assert {t: _models(models, t) for t in texts} == {
        "name = 'fraud'": ["Fraud"],
        "name != 'FRAUD'": ["alpha", "churn"],
        "name LIKE '%r%'": ["churn", "Fraud"],
        "name LIKE 'F%'": ["Fraud"],
        "name LIKE 'f%'": [],
        "name ILIKE 'f%'": ["Fraud"],
        "name ILIKE '_HURN'": ["churn"],
        "name = 'Fraud-old'": [],
    }


def test_list_models_filters_by_tag(models: UnitOfWorkFactory) -> None:
    texts = [
        "tags.team = 'risk'",
        "tags.team != 'risk'",
        "tags.tier LIKE 'G%'",
        "tags.tier LIKE 'g%'",
        "tags.tier ILIKE 'g%'",
        "tags.team = 'risk' AND tags.tier = 'Gold'",
        "tags.team = 'risk' AND name = 'churn'",
    ]
    assert {t: _models(models, t) for t in texts} == {
        "tags.team = 'risk'": ["Fraud"],
        "tags.team != 'risk'": ["churn"],
        "tags.tier LIKE 'G%'": ["Fraud"],
        "tags.tier LIKE 'g%'": [],
        "tags.tier ILIKE 'g%'": ["Fraud"],
        "tags.team = 'risk' AND tags.tier = 'Gold'": ["Fraud"],
        "tags.team = 'risk' AND name = 'churn'": [],
    }


# ordering --------------------------------------------------------------------------------
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
