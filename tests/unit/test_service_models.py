"""Registered models: create, read, rename, describe, delete, tag, search."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.entities import ModelVersion
from modelyard.errors import AlreadyExists, InvalidArgument, NotFound
from modelyard.service import models, versions
from modelyard.service.context import Context
from tests.fakes import START, FakeUnitOfWorkFactory

Register = Callable[..., ModelVersion]


def test_create_model_returns_model_without_versions(ctx: Context) -> None:
    model = models.create_model(ctx, "Fraud", description="detects fraud")
    assert (model.name, model.description, model.latest_version) == ("Fraud", "detects fraud", 0)


def test_create_model_records_creator_and_time(ctx: Context) -> None:
    model = models.create_model(ctx, "Fraud")
    assert (model.created_by, model.created_at) == ("alice", START)


def test_create_model_stores_tags(ctx: Context) -> None:
    models.create_model(ctx, "Fraud", tags={"owner": "alice"})
    assert models.get_model(ctx, "Fraud").tags == {"owner": "alice"}


def test_create_model_twice_raises_already_exists(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    with pytest.raises(AlreadyExists):
        models.create_model(ctx, "Fraud")


@pytest.mark.parametrize("twin", ["fraud", "FRAUD", "fRaUd"])
def test_create_model_case_twin_raises_already_exists(ctx: Context, twin: str) -> None:
    models.create_model(ctx, "Fraud")
    with pytest.raises(AlreadyExists):
        models.create_model(ctx, twin)


@pytest.mark.parametrize(
    "name", ["a/b", "my model", " Fraud", "..", "", "x" * 10_000, "Fr\u0430ud", "a\nINFO x"]
)
def test_create_model_invalid_name_raises_invalid_argument_and_commits_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory, name: str
) -> None:
    with pytest.raises(InvalidArgument):
        models.create_model(ctx, name)
    assert (store.commits, store.state.models) == (0, {})


def test_create_model_one_megabyte_tag_value_raises_invalid_argument(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    with pytest.raises(InvalidArgument):
        models.create_model(ctx, "Fraud", tags={"blob": "x" * 1024 * 1024})
    assert store.state.models == {}


def test_create_model_too_many_tags_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        models.create_model(ctx, "Fraud", tags={f"k{i}": "v" for i in range(models.MAX_TAGS + 1)})


def test_get_model_ignores_case(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    assert models.get_model(ctx, "fRAUD").name == "Fraud"


def test_get_model_unknown_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        models.get_model(ctx, "Nope")


def test_get_model_invalid_name_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        models.get_model(ctx, "../etc/passwd")


def test_rename_model_changes_name(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    assert models.rename_model(ctx, "Fraud", "FraudV2").name == "FraudV2"


def test_rename_model_old_name_no_longer_found(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.rename_model(ctx, "Fraud", "FraudV2")
    with pytest.raises(NotFound):
        models.get_model(ctx, "Fraud")


def test_rename_model_keeps_versions(ctx: Context, register: Register) -> None:
    register("Fraud")
    models.rename_model(ctx, "Fraud", "FraudV2")
    assert versions.get_version(ctx, "FraudV2", 1).name == "FraudV2"


def test_rename_model_to_case_twin_of_other_raises_already_exists(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.create_model(ctx, "Churn")
    with pytest.raises(AlreadyExists):
        models.rename_model(ctx, "Churn", "FRAUD")


def test_rename_model_to_own_case_variant_succeeds(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    assert models.rename_model(ctx, "Fraud", "FRAUD").name == "FRAUD"


def test_rename_model_audits_before_and_after(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    models.create_model(ctx, "Fraud")
    models.rename_model(ctx, "Fraud", "FraudV2")
    event = store.state.audit[-1]
    assert (event.action, event.before, event.after) == (
        "model.rename",
        {"name": "Fraud"},
        {"name": "FraudV2"},
    )


def test_rename_model_to_same_name_records_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    models.create_model(ctx, "Fraud")
    models.rename_model(ctx, "Fraud", "Fraud")
    assert store.audit_actions() == ["model.create"]


def test_rename_model_unknown_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        models.rename_model(ctx, "Nope", "Other")


def test_update_model_changes_description(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    assert models.update_model(ctx, "Fraud", "new text").description == "new text"


def test_update_model_audits_before_and_after(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    models.create_model(ctx, "Fraud", description="old")
    models.update_model(ctx, "Fraud", "new")
    event = store.state.audit[-1]
    assert (event.before, event.after) == ({"description": "old"}, {"description": "new"})


def test_update_model_control_characters_raise_invalid_argument(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    with pytest.raises(InvalidArgument):
        models.update_model(ctx, "Fraud", "\x1b[2Jgone")


def test_delete_model_hides_model(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.delete_model(ctx, "Fraud")
    with pytest.raises(NotFound):
        models.get_model(ctx, "Fraud")


def test_delete_model_is_soft(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    model = models.create_model(ctx, "Fraud")
    models.delete_model(ctx, "Fraud")
    assert store.state.models[model.id].deleted_at is not None


def test_delete_model_hides_its_versions(ctx: Context, register: Register) -> None:
    register("Fraud")
    models.delete_model(ctx, "Fraud")
    assert versions.search_versions(ctx).items == []


def test_delete_model_frees_name_for_reuse(ctx: Context) -> None:
    old = models.create_model(ctx, "Fraud")
    models.delete_model(ctx, "Fraud")
    assert models.create_model(ctx, "fraud").id != old.id


def test_delete_model_reused_name_starts_versions_at_one(ctx: Context, register: Register) -> None:
    register("Fraud")
    register("Fraud")
    models.delete_model(ctx, "Fraud")
    assert register("Fraud").version == 1


def test_delete_model_unknown_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        models.delete_model(ctx, "Nope")


def test_delete_model_twice_raises_not_found(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.delete_model(ctx, "Fraud")
    with pytest.raises(NotFound):
        models.delete_model(ctx, "Fraud")


def test_set_model_tag_stores_tag(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    models.set_model_tag(ctx, "Fraud", "owner", "alice")
    assert models.get_model(ctx, "Fraud").tags == {"owner": "alice"}


def test_set_model_tag_audits_previous_value(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    models.create_model(ctx, "Fraud", tags={"owner": "alice"})
    models.set_model_tag(ctx, "Fraud", "owner", "bob")
    event = store.state.audit[-1]
    assert (event.action, event.before, event.after) == (
        "model.tag.set",
        {"owner": "alice"},
        {"owner": "bob"},
    )


def test_set_model_tag_beyond_limit_raises_invalid_argument(ctx: Context) -> None:
    models.create_model(ctx, "Fraud", tags={f"k{i}": "v" for i in range(models.MAX_TAGS)})
    with pytest.raises(InvalidArgument):
        models.set_model_tag(ctx, "Fraud", "one-more", "v")


def test_set_model_tag_at_limit_overwrites_existing_key(ctx: Context) -> None:
    models.create_model(ctx, "Fraud", tags={f"k{i}": "v" for i in range(models.MAX_TAGS)})
    models.set_model_tag(ctx, "Fraud", "k0", "new")
    assert models.get_model(ctx, "Fraud").tags["k0"] == "new"


def test_set_model_tag_one_megabyte_value_raises_invalid_argument(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    with pytest.raises(InvalidArgument):
        models.set_model_tag(ctx, "Fraud", "owner", "x" * 1024 * 1024)


def test_delete_model_tag_removes_tag(ctx: Context) -> None:
    models.create_model(ctx, "Fraud", tags={"owner": "alice"})
    models.delete_model_tag(ctx, "Fraud", "owner")
    assert models.get_model(ctx, "Fraud").tags == {}


def test_delete_model_tag_audits_old_value(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    models.create_model(ctx, "Fraud", tags={"owner": "alice"})
    models.delete_model_tag(ctx, "Fraud", "owner")
    event = store.state.audit[-1]
    assert (event.action, event.before, event.after) == (
        "model.tag.delete",
        {"owner": "alice"},
        None,
    )


def test_delete_model_tag_missing_raises_not_found(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    with pytest.raises(NotFound):
        models.delete_model_tag(ctx, "Fraud", "owner")


def test_search_models_orders_by_name_ignoring_case(ctx: Context) -> None:
    for name in ["beta", "Alpha", "gamma"]:
        models.create_model(ctx, name)
    assert [m.name for m in models.search_models(ctx).items] == ["Alpha", "beta", "gamma"]


def test_search_models_by_tag_returns_matching(ctx: Context) -> None:
    models.create_model(ctx, "Fraud", tags={"team": "risk"})
    models.create_model(ctx, "Churn", tags={"team": "growth"})
    page = models.search_models(ctx, "tags.team = 'risk'")
    assert [m.name for m in page.items] == ["Fraud"]


def test_search_models_by_name_equal_ignores_case(ctx: Context) -> None:
    models.create_model(ctx, "Fraud")
    assert [m.name for m in models.search_models(ctx, "name = 'FRAUD'").items] == ["Fraud"]


def test_search_models_stage_filter_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        models.search_models(ctx, "stage = 'Production'")


def test_search_models_pages_yield_every_model_once(ctx: Context) -> None:
    for i in range(7):
        models.create_model(ctx, f"m{i}")
    seen, token = [], None
    while True:
        page = models.search_models(ctx, max_results=3, page_token=token)
        seen += [m.name for m in page.items]
        if (token := page.next_page_token) is None:
            break
    assert seen == [f"m{i}" for i in range(7)]


def test_search_models_order_by_updated_at_desc_returns_recently_changed_first(
    ctx: Context,
) -> None:
    for name in ["alpha", "beta", "gamma"]:
        models.create_model(ctx, name)
    models.update_model(ctx, "beta", "changed")
    page = models.search_models(ctx, order_by=["updated_at DESC"])
    assert [m.name for m in page.items] == ["beta", "gamma", "alpha"]


def test_search_models_order_by_name_desc_pages_every_model_once(ctx: Context) -> None:
    for i in range(7):
        models.create_model(ctx, f"m{i}")
    seen, token = [], None
    while True:
        page = models.search_models(ctx, None, 3, token, order_by=["name DESC"])
        seen += [m.name for m in page.items]
        if (token := page.next_page_token) is None:
            break
    assert seen == [f"m{i}" for i in reversed(range(7))]


def test_search_models_token_of_other_order_raises_invalid_argument(ctx: Context) -> None:
    for name in ["alpha", "beta"]:
        models.create_model(ctx, name)
    token = models.search_models(ctx, max_results=1, order_by=["name DESC"]).next_page_token
    with pytest.raises(InvalidArgument, match="different query"):
        models.search_models(ctx, max_results=1, page_token=token)


def test_search_models_unknown_order_field_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        models.search_models(ctx, order_by=["version DESC"])
