"""Errors over both transports: the same exception class and stable ``code`` either way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import modelyard
from modelyard.client.client import Client
from tests.sdk.conftest import make_client
from tests.sdk.support import make_version, spec_of

Call = Callable[[Client], Any]


def expect(client: Client, call: Call, error: type[modelyard.ModelyardError], code: str) -> None:
    with pytest.raises(modelyard.ModelyardError) as err:
        call(client)
    assert type(err.value) is error
    assert err.value.code == code


def invalid(client: Client, call: Call) -> None:
    expect(client, call, modelyard.InvalidArgument, "INVALID_ARGUMENT")


def missing(client: Client, call: Call) -> None:
    expect(client, call, modelyard.NotFound, "RESOURCE_NOT_FOUND")


@pytest.fixture(scope="module", params=["embedded", "http"])
def fraud(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store_template: Path
) -> Iterator[Client]:
    """One store per module and transport holding Fraud v1 (tag owner=alice, alias champion)
    and nothing else. Only refusals run against it: the teardown checks that every one of
    them left it exactly as it was, down to the audit trail."""
    home = tmp_path_factory.mktemp(f"fraud-{request.param}")
    clients = make_client(request.param, home, template=store_template)
    client = next(clients)
    make_version(client, "Fraud", tags={"owner": "alice"})
    client.set_model_tag("Fraud", "team", "risk")
    client.set_alias("Fraud", "champion", 1)
    trail = client.audit(max_results=1000).items
    yield client
    unchanged(client)
    assert [m.name for m in client.search_models().items] == ["Fraud"]
    assert client.audit(max_results=1000).items == trail
    for _ in clients:  # closes the client and its store
        pass


def unchanged(client: Client) -> None:
    model = client.get_model("Fraud")
    assert (model.tags, model.aliases, model.latest_version) == (
        {"team": "risk"},
        {"champion": 1},
        1,
    )
    assert client.get_version("Fraud", 1).tags == {"owner": "alice"}


# "a%2Fb" is left out: starlette's TestClient unquotes the already-decoded path a second time,
# so in-process it arrives as "a/b" (a harness artefact; uvicorn decodes once).
# Representatives of the bad-name classes (URL delimiter, length beyond the wire limit,
# a control character); the full list of classes is the domain's: tests/unit/test_domain_names.py.
BAD_NAMES = ["a:b", "a" * 1024, "name\nINFO fake"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_create_model_invalid_name_raises_invalid_argument(client: Client, name: str) -> None:
    invalid(client, lambda c: c.create_model(name))

    assert client.search_models().items == []


@pytest.mark.parametrize("name", BAD_NAMES)
def test_get_model_invalid_name_raises_invalid_argument(client: Client, name: str) -> None:
    invalid(client, lambda c: c.get_model(name))


@pytest.mark.parametrize("name", BAD_NAMES)
def test_create_version_invalid_name_raises_invalid_argument(client: Client, name: str) -> None:
    spec = spec_of(client)

    invalid(client, lambda c: c.create_version(name, spec))

    assert client.search_models().items == []


def test_create_model_10000_character_name_raises_invalid_argument(client: Client) -> None:
    invalid(client, lambda c: c.create_model("a" * 10_000))


def test_get_model_10000_character_name_raises_invalid_argument(client: Client) -> None:
    invalid(client, lambda c: c.get_model("a" * 10_000))


@pytest.mark.parametrize("name", ["a/b", "../Fraud", "a/../b"])
def test_create_version_name_with_slash_raises_invalid_argument(client: Client, name: str) -> None:
    spec = spec_of(client)

    invalid(client, lambda c: c.create_version(name, spec))

    assert client.search_models().items == []


@pytest.mark.parametrize("name", ["a/b", "../Fraud"])
def test_get_model_name_with_slash_raises_invalid_argument(client: Client, name: str) -> None:
    invalid(client, lambda c: c.get_model(name))


@pytest.mark.parametrize("name", ["", ".", ".."])
def test_get_model_dot_or_empty_name_raises_invalid_argument(client: Client, name: str) -> None:
    invalid(client, lambda c: c.get_model(name))


def test_transition_unknown_stage_raises_invalid_argument(fraud: Client) -> None:
    invalid(fraud, lambda c: c.transition("Fraud", 1, "Prod"))

    assert fraud.get_version("Fraud", 1).stage.value == "None"


@pytest.mark.parametrize("ref", ["Prod", "Deployed", "stage:Production"])
def test_get_version_unknown_stage_raises_invalid_argument(fraud: Client, ref: str) -> None:
    invalid(fraud, lambda c: c.get_version("Fraud", ref))


def test_search_versions_unknown_stage_raises_invalid_argument(fraud: Client) -> None:
    invalid(fraud, lambda c: c.search_versions("stage = 'Prod'"))


@pytest.mark.parametrize("alias", ["1", "Production", "latest", "v2"])
def test_set_alias_reserved_raises_invalid_argument(fraud: Client, alias: str) -> None:
    invalid(fraud, lambda c: c.set_alias("Fraud", alias, 1))

    unchanged(fraud)


@pytest.mark.parametrize("alias", ["1", "Production", "bad alias", "-x"])
def test_get_version_by_invalid_alias_raises_invalid_argument(fraud: Client, alias: str) -> None:
    invalid(fraud, lambda c: c.get_version("Fraud", f"@{alias}"))


def test_get_version_unknown_alias_raises_not_found(fraud: Client) -> None:
    missing(fraud, lambda c: c.get_version("Fraud", "@challenger"))


MISSING_MODEL_CALLS: dict[str, Call] = {
    "get_model": lambda c: c.get_model("Ghost"),
    "update_model": lambda c: c.update_model("Ghost", "d"),
    "rename_model": lambda c: c.rename_model("Ghost", "Spirit"),
    "delete_model": lambda c: c.delete_model("Ghost"),
    "set_model_tag": lambda c: c.set_model_tag("Ghost", "k", "v"),
    "get_version": lambda c: c.get_version("Ghost", 1),
    "get_latest": lambda c: c.get_version("Ghost", "latest"),
    "transition": lambda c: c.transition("Ghost", 1, "Staging"),
    "set_alias": lambda c: c.set_alias("Ghost", "champion", 1),
    "rollback": lambda c: c.rollback("Ghost"),
    "stage_history": lambda c: c.stage_history("Ghost"),
    "list_versions": lambda c: c.list_versions("Ghost"),
    "download": lambda c: c.download("models:/Ghost/1"),
    "load_model": lambda c: c.load_model("models:/Ghost@champion"),
}


@pytest.mark.parametrize("call", MISSING_MODEL_CALLS.values(), ids=MISSING_MODEL_CALLS.keys())
def test_missing_model_raises_not_found(fraud: Client, call: Call) -> None:
    missing(fraud, call)

    assert [m.name for m in fraud.search_models().items] == ["Fraud"]


MISSING_VERSION_CALLS: dict[str, Call] = {
    "get_version": lambda c: c.get_version("Fraud", 9),
    "update_version": lambda c: c.update_version("Fraud", 9, "d"),
    "delete_version": lambda c: c.delete_version("Fraud", 9),
    "set_version_tag": lambda c: c.set_version_tag("Fraud", 9, "k", "v"),
    "transition": lambda c: c.transition("Fraud", 9, "Production"),
    "set_alias": lambda c: c.set_alias("Fraud", "backup", 9),
    "stage": lambda c: c.get_version("Fraud", "Staging"),
    "download": lambda c: c.download("models:/Fraud/9"),
}


@pytest.mark.parametrize("call", MISSING_VERSION_CALLS.values(), ids=MISSING_VERSION_CALLS.keys())
def test_missing_version_raises_not_found(fraud: Client, call: Call) -> None:
    missing(fraud, call)

    unchanged(fraud)


@pytest.mark.parametrize(
    "version",
    [0, -1, "0", "-1", "01", "1.0", "1e3", "99999999999999999999", 2**31, "one", " 1", "0x1"],
)
def test_get_version_malformed_number_raises_invalid_argument(
    fraud: Client, version: object
) -> None:
    invalid(fraud, lambda c: c.get_version("Fraud", version))  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [0, "01", "1.0"])
def test_delete_version_malformed_number_raises_invalid_argument(
    fraud: Client, version: object
) -> None:
    invalid(fraud, lambda c: c.delete_version("Fraud", version))  # type: ignore[arg-type]

    unchanged(fraud)


@pytest.mark.parametrize(
    "flt",
    [
        "name ==",
        "name = Fraud",
        "tags.owner",
        "name = 'x' OR 1=1",
        "name = 'x' AND",
        "color = 'red'",
        "name = 'x'; DROP TABLE x",
        "version LIKE '1%'",
        "name = 'unterminated",
        "(name = 'x')",
    ],
)
def test_search_versions_malformed_filter_raises_invalid_argument(fraud: Client, flt: str) -> None:
    invalid(fraud, lambda c: c.search_versions(flt))


@pytest.mark.parametrize("flt", ["stage = 'Production'", "name =", "version = 1"])
def test_search_models_malformed_filter_raises_invalid_argument(fraud: Client, flt: str) -> None:
    invalid(fraud, lambda c: c.search_models(flt))


@pytest.mark.parametrize(
    "uri",
    [
        "models:/Fraud",
        "models:/",
        "models:/Fraud/1/extra",
        "models:/Fraud@",
        "models:/Fraud@a/b",
        "models:/a b/1",
        "models:/Fraud/0",
        "models:/Fraud/Prod",
        "runs:/abc/model",
        "Fraud/1",
        "file:///etc/passwd",
        "models:/../../etc/1",
        "",
    ],
)
def test_get_version_by_malformed_uri_raises_invalid_argument(fraud: Client, uri: str) -> None:
    invalid(fraud, lambda c: c.get_version_by_uri(uri))


@pytest.mark.parametrize("uri", ["models:/Fraud", "s3://bucket/model", 42])
def test_load_model_malformed_uri_raises_invalid_argument(fraud: Client, uri: object) -> None:
    invalid(fraud, lambda c: c.load_model(uri))  # type: ignore[arg-type]


@pytest.mark.parametrize("max_results", [0, -1, 1001, 10**12])
def test_search_out_of_range_page_size_raises_invalid_argument(
    fraud: Client, max_results: int
) -> None:
    invalid(fraud, lambda c: c.search_versions(max_results=max_results))
    invalid(fraud, lambda c: c.search_models(max_results=max_results))


@pytest.mark.parametrize("token", ["garbage", "eyJvIjotMX0", "!!!!", "e30"])
def test_search_garbled_page_token_raises_invalid_argument(fraud: Client, token: str) -> None:
    invalid(fraud, lambda c: c.search_versions(page_token=token))


def test_search_token_from_other_query_raises_invalid_argument(client: Client) -> None:
    for i in range(3):
        client.create_model(f"m{i}")
    token = client.search_models(max_results=1).next_page_token
    assert token is not None

    invalid(client, lambda c: c.search_models("name LIKE 'm%'", 1, token))
    invalid(client, lambda c: c.search_versions(max_results=1, page_token=token))


def test_get_run_malformed_id_raises_invalid_argument(client: Client) -> None:
    invalid(client, lambda c: c.get_run("XYZ"))


def test_get_run_id_with_slash_raises_invalid_argument(client: Client) -> None:
    invalid(client, lambda c: c.get_run("../" + "0" * 32))


DOT_SEGMENT_DELETES: dict[str, Call] = {
    "delete_version": lambda c: c.delete_version("Fraud", ".."),
    "delete_alias": lambda c: c.delete_alias("Fraud", ".."),
    "delete_model_tag": lambda c: c.delete_model_tag("Fraud", ".."),
    "delete_version_tag": lambda c: c.delete_version_tag("Fraud", 1, ".."),
}


@pytest.mark.parametrize("call", DOT_SEGMENT_DELETES.values(), ids=DOT_SEGMENT_DELETES.keys())
def test_delete_with_dot_dot_segment_raises_invalid_argument_and_deletes_nothing(
    fraud: Client, call: Call
) -> None:
    with pytest.raises(modelyard.ModelyardError) as err:
        call(fraud)

    unchanged(fraud)
    assert type(err.value) is modelyard.InvalidArgument


@pytest.mark.parametrize("ref", ["", ".", ".."])
def test_get_version_dot_or_empty_ref_raises_invalid_argument(fraud: Client, ref: str) -> None:
    invalid(fraud, lambda c: c.get_version("Fraud", ref))


def test_set_model_tag_empty_key_raises_invalid_argument(fraud: Client) -> None:
    invalid(fraud, lambda c: c.set_model_tag("Fraud", "", "v"))

    unchanged(fraud)
