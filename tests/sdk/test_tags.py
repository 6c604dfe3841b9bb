"""Tags on models and versions over both transports."""

from __future__ import annotations

import pytest

import modelyard
from modelyard.client.client import Client
from tests.sdk.support import make_version, make_versions


def test_set_model_tag_adds_it(client: Client) -> None:
    client.create_model("Fraud")

    client.set_model_tag("Fraud", "team", "risk")

    assert client.get_model("Fraud").tags == {"team": "risk"}


def test_set_model_tag_again_overwrites_value(client: Client) -> None:
    client.create_model("Fraud", tags={"team": "risk"})

    client.set_model_tag("Fraud", "team", "growth")

    assert client.get_model("Fraud").tags == {"team": "growth"}


def test_set_model_tag_records_audit_before_and_after(client: Client) -> None:
    client.create_model("Fraud", tags={"team": "risk"})

    client.set_model_tag("Fraud", "team", "growth")

    [event] = [e for e in client.full_audit("Fraud") if e.action == "model.tag.set"]
    assert (event.before, event.after) == ({"team": "risk"}, {"team": "growth"})


def test_delete_model_tag_removes_it(client: Client) -> None:
    client.create_model("Fraud", tags={"team": "risk", "tier": "1"})

    client.delete_model_tag("Fraud", "team")

    assert client.get_model("Fraud").tags == {"tier": "1"}


def test_delete_model_tag_missing_raises_not_found(client: Client) -> None:
    client.create_model("Fraud")

    with pytest.raises(modelyard.NotFound):
        client.delete_model_tag("Fraud", "team")


def test_set_version_tag_adds_it_to_that_version_only(client: Client) -> None:
    make_version(client, "Fraud", b"a")
    make_version(client, "Fraud", b"b")

    client.set_version_tag("Fraud", 1, "owner", "alice")

    assert client.get_version("Fraud", 1).tags == {"owner": "alice"}
    assert client.get_version("Fraud", 2).tags == {}


def test_set_version_tag_by_alias_tags_pointed_version(client: Client) -> None:
    make_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 1)

    client.set_version_tag("Fraud", "@champion", "approved", "true")

    assert client.get_version("Fraud", 1).tags == {"approved": "true"}


def test_delete_version_tag_removes_it(client: Client) -> None:
    make_version(client, "Fraud", tags={"owner": "alice"})

    client.delete_version_tag("Fraud", 1, "owner")

    assert client.get_version("Fraud", 1).tags == {}


def test_delete_version_tag_missing_raises_not_found(client: Client) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.NotFound):
        client.delete_version_tag("Fraud", 1, "owner")


def test_set_version_tag_is_found_by_search(client: Client) -> None:
    make_version(client, "Fraud")

    client.set_version_tag("Fraud", 1, "owner", "alice")

    assert [v.version for v in client.search_versions("tags.owner = 'alice'").items] == [1]


@pytest.mark.parametrize("key", [" lead", "trail ", "a\nb", "é", "k" * 251, "-x"])
def test_set_model_tag_invalid_key_raises_invalid_argument(client: Client, key: str) -> None:
    client.create_model("Fraud")

    with pytest.raises(modelyard.InvalidArgument):
        client.set_model_tag("Fraud", key, "v")

    assert client.get_model("Fraud").tags == {}


@pytest.mark.parametrize("value", ["x" * 5001, "a\x1b[31mred", "nul\x00", "rtl\u202eevil"])
def test_set_version_tag_invalid_value_raises_invalid_argument(client: Client, value: str) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.InvalidArgument):
        client.set_version_tag("Fraud", 1, "k", value)

    assert client.get_version("Fraud", 1).tags == {}


def test_set_model_tag_beyond_limit_raises_invalid_argument(client: Client) -> None:
    client.create_model("Fraud", tags={f"k{i}": "v" for i in range(100)})

    with pytest.raises(modelyard.InvalidArgument):
        client.set_model_tag("Fraud", "one_more", "v")

    assert len(client.get_model("Fraud").tags) == 100


def test_create_model_with_too_many_tags_raises_invalid_argument(client: Client) -> None:
    with pytest.raises(modelyard.InvalidArgument):
        client.create_model("Fraud", tags={f"k{i}": "v" for i in range(101)})

    with pytest.raises(modelyard.NotFound):
        client.get_model("Fraud")


def test_set_model_tag_key_with_slash_adds_it(client: Client) -> None:
    client.create_model("Fraud")

    client.set_model_tag("Fraud", "team/lead", "alice")

    assert client.get_model("Fraud").tags == {"team/lead": "alice"}


def test_set_version_tag_key_with_slash_adds_it(client: Client) -> None:
    make_version(client, "Fraud")

    client.set_version_tag("Fraud", 1, "ci/build", "42")

    assert client.get_version("Fraud", 1).tags == {"ci/build": "42"}


def test_set_version_tag_by_alias_returns_the_version_it_tagged(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.set_alias("Fraud", "champion", 1)

    tagged = client.set_version_tag("Fraud", "@champion", "owner", "alice")

    assert (tagged.version, tagged.tags) == (1, {"owner": "alice"})
    assert client.get_version("Fraud", 2).tags == {}


def test_delete_model_tag_returns_the_model_without_it(client: Client) -> None:
    client.create_model("Fraud", tags={"team": "risk", "tier": "1"})

    model = client.delete_model_tag("Fraud", "team")

    assert model.tags == {"tier": "1"}
