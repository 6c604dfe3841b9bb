"""Repository contract, list_models and list_versions: every filter field and operator,
paging of filtered results, identical on the fake, SQLite and PostgreSQL. Orderings are in
test_repository_order_contract.py."""

from __future__ import annotations

import pytest

from modelyard.domain.filters import MODEL_FIELDS, VERSION_FIELDS, Clause, Filter, parse_filter
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
