"""Registered models over both transports: create, read, search, rename, describe, delete."""

from __future__ import annotations

import pytest

import modelyard
from modelyard.client.client import Client
from tests.sdk.support import ACTOR, make_version


def test_create_model_returns_the_new_model(client: Client) -> None:
    model = client.create_model("Fraud", "detects fraud", {"team": "risk"})

    assert (model.name, model.description, model.tags) == (
        "Fraud",
        "detects fraud",
        {"team": "risk"},
    )
    assert model.latest_version == 0
    assert model.created_by == ACTOR
    assert model.created_at.utcoffset() is not None


def test_get_model_returns_what_was_created(client: Client) -> None:
    client.create_model("Fraud", "detects fraud", {"team": "risk"})

    model = client.get_model("Fraud")

    assert (model.name, model.description, model.tags) == (
        "Fraud",
        "detects fraud",
        {"team": "risk"},
    )


def test_get_model_ignores_case(client: Client) -> None:
    client.create_model("Fraud")

    assert client.get_model("fRAUD").name == "Fraud"


def test_create_model_case_twin_raises_already_exists(client: Client) -> None:
    client.create_model("Fraud")

    with pytest.raises(modelyard.AlreadyExists) as err:
        client.create_model("fraud")

    assert err.value.code == "ALREADY_EXISTS"
    assert [m.name for m in client.search_models().items] == ["Fraud"]


def test_create_model_same_name_raises_already_exists(client: Client) -> None:
    client.create_model("Fraud")

    with pytest.raises(modelyard.AlreadyExists):
        client.create_model("Fraud")


def test_get_model_reports_latest_version(client: Client) -> None:
    make_version(client, "Fraud", b"a")
    make_version(client, "Fraud", b"b")

    assert client.get_model("Fraud").latest_version == 2


def test_search_models_without_filter_returns_all_sorted(client: Client) -> None:
    for name in ("beta", "Alpha", "gamma"):
        client.create_model(name)

    page = client.search_models()

    assert [m.name for m in page.items] == ["Alpha", "beta", "gamma"]
    assert page.next_page_token is None


def test_search_models_by_name_like_matches_pattern(client: Client) -> None:
    for name in ("FraudDetector", "FraudScorer", "Churn"):
        client.create_model(name)

    page = client.search_models("name LIKE 'Fraud%'")

    assert [m.name for m in page.items] == ["FraudDetector", "FraudScorer"]


def test_search_models_by_name_equals_matches_one(client: Client) -> None:
    for name in ("Fraud", "Churn"):
        client.create_model(name)

    assert [m.name for m in client.search_models("name = 'Churn'").items] == ["Churn"]


def test_search_models_by_tag_matches_tagged_only(client: Client) -> None:
    client.create_model("Fraud", tags={"team": "risk"})
    client.create_model("Churn", tags={"team": "growth"})
    client.create_model("Plain")

    page = client.search_models("tags.team = 'risk'")

    assert [m.name for m in page.items] == ["Fraud"]


def test_search_models_with_two_clauses_matches_both(client: Client) -> None:
    client.create_model("FraudA", tags={"team": "risk"})
    client.create_model("FraudB", tags={"team": "growth"})
    client.create_model("Churn", tags={"team": "risk"})

    page = client.search_models("name LIKE 'Fraud%' AND tags.team = 'risk'")

    assert [m.name for m in page.items] == ["FraudA"]


def test_search_models_paging_returns_each_model_once(client: Client) -> None:
    created = sorted(f"m{i:02d}" for i in range(12))
    for name in created:
        client.create_model(name)
    seen: list[str] = []
    token: str | None = None

    for _ in range(10):
        page = client.search_models(max_results=5, page_token=token)
        assert len(page.items) <= 5
        seen.extend(m.name for m in page.items)
        token = page.next_page_token
        if token is None:
            break

    assert seen == created


def test_rename_model_moves_the_name(client: Client) -> None:
    make_version(client, "Fraud")

    renamed = client.rename_model("Fraud", "FraudV2")

    assert renamed.name == "FraudV2"
    assert client.get_version("FraudV2", 1).name == "FraudV2"
    with pytest.raises(modelyard.NotFound):
        client.get_model("Fraud")


def test_rename_model_to_case_twin_of_other_raises_already_exists(client: Client) -> None:
    client.create_model("Fraud")
    client.create_model("Churn")

    with pytest.raises(modelyard.AlreadyExists):
        client.rename_model("Churn", "FRAUD")

    assert client.get_model("Churn").name == "Churn"


def test_rename_model_to_own_case_variant_changes_spelling(client: Client) -> None:
    client.create_model("Fraud")

    assert client.rename_model("Fraud", "FRAUD").name == "FRAUD"
    assert client.get_model("fraud").name == "FRAUD"


def test_update_model_sets_description(client: Client) -> None:
    client.create_model("Fraud", "old")

    updated = client.update_model("Fraud", "new words")

    assert updated.description == "new words"
    assert client.get_model("Fraud").description == "new words"


def test_delete_model_makes_it_not_found(client: Client) -> None:
    make_version(client, "Fraud")

    client.delete_model("Fraud")

    with pytest.raises(modelyard.NotFound):
        client.get_model("Fraud")
    with pytest.raises(modelyard.NotFound):
        client.get_version("Fraud", 1)
    assert client.search_models().items == []


def test_delete_model_hides_its_versions_from_search(client: Client) -> None:
    make_version(client, "Fraud")
    make_version(client, "Churn")

    client.delete_model("Fraud")

    assert [v.name for v in client.search_all_versions()] == ["Churn"]


def test_delete_model_twice_raises_not_found(client: Client) -> None:
    client.create_model("Fraud")
    client.delete_model("Fraud")

    with pytest.raises(modelyard.NotFound):
        client.delete_model("Fraud")


def test_create_model_after_delete_starts_fresh(client: Client) -> None:
    make_version(client, "Fraud")
    client.delete_model("Fraud")

    model = client.create_model("Fraud")

    assert model.latest_version == 0
    assert make_version(client, "Fraud").version == 1


def test_search_models_order_by_several_clauses_is_applied(client: Client) -> None:
    for name in ("alpha", "beta", "gamma"):
        client.create_model(name)
    client.update_model("alpha", "touched last")
    page = client.search_models(order_by=["updated_at DESC", "name ASC"])
    assert [m.name for m in page.items] == ["alpha", "gamma", "beta"]
    assert [m.name for m in client.search_models(order_by=["name DESC"]).items] == [
        "gamma",
        "beta",
        "alpha",
    ]
