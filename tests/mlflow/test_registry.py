"""The registry half of the MLflow protocol, through the real MlflowClient."""

from __future__ import annotations

import httpx
import pytest
from mlflow.exceptions import MlflowException, RestException

from mlflow import MlflowClient
from modelyard.client.client import Client


def _versions(client: MlflowClient, name: str, n: int, **kw: object) -> list[str]:
    return [
        client.create_model_version(name, f"s3://elsewhere/{name}/{i}", **kw).version  # type: ignore[arg-type]
        for i in range(n)
    ]


def _code(exc: pytest.ExceptionInfo[MlflowException]) -> str:
    return str(exc.value.error_code)


def test_create_and_get_model_round_trips(client: MlflowClient, name: str) -> None:
    created = client.create_registered_model(name, tags={"team": "fraud"}, description="d1")
    got = client.get_registered_model(name)
    assert created.name == got.name == name
    assert got.description == "d1"
    assert got.tags == {"team": "fraud"}


def test_duplicate_model_is_resource_already_exists(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as exc:
        client.create_registered_model(name.lower())
    assert _code(exc) == "RESOURCE_ALREADY_EXISTS"


def test_missing_model_is_resource_does_not_exist(client: MlflowClient) -> None:
    with pytest.raises(MlflowException) as exc:
        client.get_registered_model("NoSuchModel")
    assert _code(exc) == "RESOURCE_DOES_NOT_EXIST"


def test_bad_name_is_invalid_parameter_value(client: MlflowClient) -> None:
    with pytest.raises(MlflowException) as exc:
        client.create_registered_model("../etc/passwd")
    assert _code(exc) == "INVALID_PARAMETER_VALUE"


def test_versions_are_numbered_one_to_n(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    assert _versions(client, name, 3) == ["1", "2", "3"]
    mv = client.get_model_version(name, "2")
    assert mv.source == f"s3://elsewhere/{name}/1"
    assert mv.current_stage == "None"
    assert mv.status == "READY"


def test_version_of_missing_model_is_refused(client: MlflowClient) -> None:
    with pytest.raises(MlflowException) as exc:
        client.create_model_version("NoSuchModel2", "s3://x/y")
    assert _code(exc) == "RESOURCE_DOES_NOT_EXIST"


def test_rename_keeps_versions(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.rename_registered_model(name, name + "-renamed")
    assert client.get_model_version(name + "-renamed", "2").version == "2"
    with pytest.raises(MlflowException):
        client.get_registered_model(name)


def test_descriptions_update(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 1)
    client.update_registered_model(name, description="model text")
    client.update_model_version(name, "1", description="version text")
    assert client.get_registered_model(name).description == "model text"
    assert client.get_model_version(name, "1").description == "version text"


def test_delete_version_and_model(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.delete_model_version(name, "1")
    with pytest.raises(MlflowException) as exc:
        client.get_model_version(name, "1")
    assert _code(exc) == "RESOURCE_DOES_NOT_EXIST"
    client.delete_registered_model(name)
    with pytest.raises(MlflowException):
        client.get_registered_model(name)


def test_transition_without_archive_keeps_both(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.transition_model_version_stage(name, "1", "Production")
    client.transition_model_version_stage(name, "2", "Production")
    stages = {v.version: v.current_stage for v in client.search_model_versions(f"name='{name}'")}
    assert stages == {"1": "Production", "2": "Production"}


def test_transition_with_archive_and_rollback(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.transition_model_version_stage(name, "1", "Production")
    client.transition_model_version_stage(name, "2", "Production", archive_existing_versions=True)
    assert client.get_model_version(name, "1").current_stage == "Archived"
    # roll back the MLflow way: promote the previous version again, archiving the current
    client.transition_model_version_stage(name, "1", "Production", archive_existing_versions=True)
    assert client.get_model_version(name, "1").current_stage == "Production"
    assert client.get_model_version(name, "2").current_stage == "Archived"


def test_modelyard_rollback_is_seen_by_mlflow(client: MlflowClient, name: str, url: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.transition_model_version_stage(name, "1", "Production")
    client.transition_model_version_stage(name, "2", "Production", archive_existing_versions=True)
    with Client(url) as my:
        assert my.rollback(name).version == 1
    assert client.get_model_version(name, "1").current_stage == "Production"
    assert client.get_model_version(name, "2").current_stage == "Archived"


def test_bad_stage_is_invalid_parameter_value(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 1)
    with pytest.raises(MlflowException) as exc:
        client.transition_model_version_stage(name, "1", "Prod")
    assert _code(exc) == "INVALID_PARAMETER_VALUE"


def test_latest_versions_per_stage(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 3)
    client.transition_model_version_stage(name, "2", "Staging")
    latest = client.get_registered_model(name).latest_versions
    assert {v.current_stage: v.version for v in latest} == {"None": "3", "Staging": "2"}
    staged = client.get_latest_versions(name, stages=["Staging"])
    assert [v.version for v in staged] == ["2"]


def test_aliases_set_get_delete(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 2)
    client.set_registered_model_alias(name, "champion", "1")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    client.set_registered_model_alias(name, "champion", "2")
    assert client.get_model_version(name, "2").aliases == ["champion"]
    assert client.get_registered_model(name).aliases == {"champion": "2"}
    client.delete_registered_model_alias(name, "champion")
    with pytest.raises(MlflowException) as exc:
        client.get_model_version_by_alias(name, "champion")
    assert _code(exc) == "RESOURCE_DOES_NOT_EXIST"


def test_tags_on_model_and_version(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 1)
    client.set_registered_model_tag(name, "owner", "alice")
    client.set_model_version_tag(name, "1", "validated", "yes")
    assert client.get_registered_model(name).tags == {"owner": "alice"}
    assert client.get_model_version(name, "1").tags == {"validated": "yes"}
    client.delete_registered_model_tag(name, "owner")
    client.delete_model_version_tag(name, "1", "validated")
    assert client.get_registered_model(name).tags == {}
    assert client.get_model_version(name, "1").tags == {}


def test_search_versions_by_tag_pages_through_all(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    for i in range(7):
        client.create_model_version(name, "s3://x", tags={"batch": name, "i": str(i)})
    seen, token = [], None
    while True:
        page = client.search_model_versions(
            f"tags.batch = '{name}'", max_results=3, page_token=token
        )
        seen += [v.version for v in page]
        token = page.token
        if not token:
            break
    assert seen == ["7", "6", "5", "4", "3", "2", "1"]


def test_search_versions_by_number_and_order(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 3)
    found = client.search_model_versions(
        f"name = '{name}' AND version_number = 2", order_by=["version_number DESC"]
    )
    assert [v.version for v in found] == ["2"]


def test_search_models_by_name_like_and_tag(client: MlflowClient, name: str) -> None:
    for suffix in ("a", "b", "c"):
        client.create_registered_model(f"{name}-{suffix}", tags={"group": name})
    page = client.search_registered_models(f"name LIKE '{name}-%'", max_results=2)
    assert [m.name for m in page] == [f"{name}-a", f"{name}-b"]
    rest = client.search_registered_models(
        f"name LIKE '{name}-%'", max_results=2, page_token=page.token
    )
    assert [m.name for m in rest] == [f"{name}-c"] and not rest.token
    tagged = client.search_registered_models(f"tags.group = '{name}'", order_by=["name ASC"])
    assert len(tagged) == 3


def test_unsupported_filter_and_order_are_refused(client: MlflowClient, name: str) -> None:
    with pytest.raises(MlflowException) as exc:
        client.search_model_versions("source_path = 'x'")
    assert _code(exc) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as exc:
        client.search_registered_models(order_by=["version_number DESC"])
    assert _code(exc) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as exc:
        client.search_model_versions("name = 'x'", order_by=["current_stage DESC"])
    assert _code(exc) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as exc:
        client.search_model_versions("name = 'x'", page_token="garbage")
    assert _code(exc) == "INVALID_PARAMETER_VALUE"


def test_download_uri_is_served_by_the_artifact_proxy(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 1)
    assert client.get_model_version_download_uri(name, "1").startswith("mlflow-artifacts:/")


def test_errors_are_mlflow_json(url: str) -> None:
    r = httpx.get(f"{url}/api/2.0/mlflow/registered-models/get", params={"name": "Nope"})
    assert r.status_code == 404
    assert r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    r = httpx.post(
        f"{url}/ajax-api/2.0/mlflow/registered-models/create",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    r = httpx.get(f"{url}/api/2.0/mlflow/no-such-endpoint")
    assert r.status_code == 404
    assert r.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_foreign_source_is_recorded_never_read(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    mv = client.create_model_version(name, "file:///etc/passwd")
    assert mv.source == "file:///etc/passwd"
    assert client.get_model_version(name, mv.version).source == "file:///etc/passwd"


def test_rest_exception_type(client: MlflowClient) -> None:
    with pytest.raises(RestException):
        client.get_model_version("NoSuchModel3", "1")


def _all_versions(client: MlflowClient, flt: str, order_by: list[str]) -> list[str]:
    """Every page of a version search with max_results=2, following the page tokens."""
    seen, token = [], None
    while True:
        page = client.search_model_versions(flt, 2, order_by, token)
        seen += [v.version for v in page]
        if not (token := page.token):
            return seen


def test_search_models_order_by_name_desc_pages_through_all(
    client: MlflowClient, name: str
) -> None:
    for suffix in ("a", "c", "B", "d", "e"):
        client.create_registered_model(f"{name}-{suffix}")
    seen, token = [], None
    while True:
        page = client.search_registered_models(
            f"name LIKE '{name}-%'", max_results=2, order_by=["name DESC"], page_token=token
        )
        seen += [m.name for m in page]
        if not (token := page.token):
            break
    assert seen == [f"{name}-{s}" for s in ("e", "d", "c", "B", "a")]


def test_search_models_order_by_timestamps(client: MlflowClient, name: str) -> None:
    for suffix in ("a", "b", "c"):
        client.create_registered_model(f"{name}-{suffix}")
    client.update_registered_model(f"{name}-a", description="touched")
    flt = f"name LIKE '{name}-%'"
    newest = client.search_registered_models(flt, order_by=["creation_timestamp DESC"])
    assert [m.name[-1] for m in newest] == ["c", "b", "a"]
    changed = client.search_registered_models(flt, order_by=["last_updated_timestamp DESC"])
    assert [m.name[-1] for m in changed] == ["a", "c", "b"]
    oldest = client.search_registered_models(flt, order_by=["timestamp ASC"])
    assert [m.name[-1] for m in oldest] == ["b", "c", "a"]


def test_search_versions_order_by_version_number_asc_pages(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 5)
    assert _all_versions(client, f"name='{name}'", ["version_number ASC"]) == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]


def test_search_versions_order_by_creation_timestamp_desc_pages(
    client: MlflowClient, name: str
) -> None:
    client.create_registered_model(name)
    _versions(client, name, 5)
    found = _all_versions(client, f"name='{name}'", ["creation_timestamp DESC"])
    assert found == ["5", "4", "3", "2", "1"]


def test_search_versions_order_by_last_updated_timestamp(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 3)
    client.update_model_version(name, "1", description="touched")
    found = client.search_model_versions(f"name='{name}'", order_by=["last_updated_timestamp DESC"])
    assert [v.version for v in found] == ["1", "3", "2"]


def test_search_versions_token_of_other_order_is_refused(client: MlflowClient, name: str) -> None:
    client.create_registered_model(name)
    _versions(client, name, 3)
    page = client.search_model_versions(f"name='{name}'", 1, ["version_number ASC"])
    with pytest.raises(MlflowException) as exc:
        client.search_model_versions(f"name='{name}'", 1, ["version_number DESC"], page.token)
    assert _code(exc) == "INVALID_PARAMETER_VALUE"
