"""Aliases over both transports: named pointers to one version of a model."""

from __future__ import annotations

import pytest

import modelyard
from modelyard.client.client import Client
from tests.sdk.support import make_version, make_versions


def test_set_alias_points_at_version(client: Client) -> None:
    make_versions(client, "Fraud", 2)

    pointed = client.set_alias("Fraud", "champion", 1)

    assert pointed.version == 1
    assert pointed.aliases == ("champion",)
    assert client.get_model("Fraud").aliases == {"champion": 1}


def test_set_alias_again_moves_it(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.set_alias("Fraud", "champion", 1)

    client.set_alias("Fraud", "champion", 2)

    assert client.get_version("Fraud", "@champion").version == 2
    assert client.get_version("Fraud", 1).aliases == ()


def test_set_alias_by_reference_resolves_it(client: Client) -> None:
    make_versions(client, "Fraud", 3)
    client.transition("Fraud", 2, "Production")

    assert client.set_alias("Fraud", "champion", "Production").version == 2
    assert client.set_alias("Fraud", "newest", "latest").version == 3
    assert client.set_alias("Fraud", "backup", "@champion").version == 2


def test_set_alias_to_missing_version_raises_not_found(client: Client) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.NotFound):
        client.set_alias("Fraud", "champion", 7)


def test_set_alias_records_audit_before_and_after(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.set_alias("Fraud", "champion", 1)

    client.set_alias("Fraud", "champion", 2)

    events = [e for e in client.full_audit("Fraud") if e.action == "alias.set"]
    assert [(e.before, e.after) for e in events] == [
        (None, {"alias": "champion", "version": 1}),
        ({"alias": "champion", "version": 1}, {"alias": "champion", "version": 2}),
    ]


@pytest.mark.parametrize("alias", ["1", "v1", "latest", "Production", "staging", "None"])
def test_set_alias_reserved_name_raises_invalid_argument(client: Client, alias: str) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.InvalidArgument) as err:
        client.set_alias("Fraud", alias, 1)

    assert err.value.code == "INVALID_ARGUMENT"
    assert client.get_model("Fraud").aliases == {}


def test_delete_alias_removes_it(client: Client) -> None:
    make_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 1)

    client.delete_alias("Fraud", "champion")

    assert client.get_model("Fraud").aliases == {}
    with pytest.raises(modelyard.NotFound):
        client.get_version("Fraud", "@champion")


def test_delete_alias_missing_raises_not_found(client: Client) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.NotFound):
        client.delete_alias("Fraud", "champion")


def test_delete_version_drops_its_aliases(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.set_alias("Fraud", "champion", 1)

    client.delete_version("Fraud", 1)

    assert client.get_model("Fraud").aliases == {}
    with pytest.raises(modelyard.NotFound):
        client.get_version("Fraud", "@champion")


def test_aliases_of_two_models_are_independent(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    make_version(client, "Churn")
    client.set_alias("Fraud", "champion", 2)
    client.set_alias("Churn", "champion", 1)

    assert client.get_version("Fraud", "@champion").version == 2
    assert client.get_version("Churn", "@champion").version == 1
