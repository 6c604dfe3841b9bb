"""The ``modelyard`` CLI over the embedded store: models, versions, stages, aliases, tags."""

from __future__ import annotations

import pytest

from modelyard.client.client import Client
from modelyard.errors import NotFound
from tests.cli.support import ACTOR, add_version, audit_count, cli, ok, ok_json

# models ---------------------------------------------------------------------------------


def test_models_create_registers_model(client: Client) -> None:
    result = ok("models", "create", "Fraud", "--description", "catches fraud", "--tag", "team=risk")

    assert "Created model Fraud" in result.stdout
    model = client.get_model("Fraud")
    assert model.description == "catches fraud"
    assert model.tags == {"team": "risk"}
    assert model.created_by == ACTOR


def test_models_create_json_prints_model(client: Client) -> None:
    body = ok_json("models", "create", "Fraud", "-t", "a=1", "-t", "b=x=y")

    assert body["name"] == "Fraud"
    assert body["tags"] == {"a": "1", "b": "x=y"}
    assert body["latest_version"] == 0
    assert body["created_at"].endswith("+00:00")


def test_models_list_shows_table(client: Client) -> None:
    client.create_model("Fraud", tags={"team": "risk"})
    client.create_model("Churn")

    out = ok("models", "list").stdout

    assert "Fraud" in out
    assert "Churn" in out
    assert "team=risk" in out


def test_models_list_json_pages_with_token(client: Client) -> None:
    for name in ("A1", "B2", "C3"):
        client.create_model(name)

    first = ok_json("models", "list", "--max-results", "2")
    rest = ok_json("models", "list", "-n", "2", "--page-token", first["next_page_token"])

    assert len(first["items"]) == 2
    assert first["next_page_token"]
    assert len(rest["items"]) == 1
    assert rest["next_page_token"] is None
    names = {m["name"] for m in first["items"] + rest["items"]}
    assert names == {"A1", "B2", "C3"}


def test_models_list_filter_matches_name(client: Client) -> None:
    client.create_model("FraudDetection")
    client.create_model("Churn")

    body = ok_json("models", "list", "--filter", "name LIKE '%Fraud%'")

    assert [m["name"] for m in body["items"]] == ["FraudDetection"]


def test_models_show_prints_details(client: Client) -> None:
    client.create_model("Fraud", "catches fraud", {"team": "risk"})
    add_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 1)

    out = ok("models", "show", "Fraud").stdout

    assert "catches fraud" in out
    assert "team=risk" in out
    assert "@champion → v1" in out


def test_models_show_json_prints_model(client: Client) -> None:
    client.create_model("Fraud")
    add_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 1)

    body = ok_json("models", "show", "fraud")

    assert body["name"] == "Fraud"
    assert body["aliases"] == {"champion": 1}
    assert body["latest_version"] == 1


def test_models_show_prints_markup_literally(client: Client) -> None:
    client.create_model("Fraud", "[bold red]not markup[/bold red]")

    out = ok("models", "show", "Fraud").stdout

    assert "[bold red]not markup[/bold red]" in out


def test_models_rename_moves_model(client: Client) -> None:
    client.create_model("Fraud")
    add_version(client, "Fraud")

    body = ok_json("models", "rename", "Fraud", "FraudV2")

    assert body["name"] == "FraudV2"
    assert client.get_version("FraudV2", 1).name == "FraudV2"
    with pytest.raises(NotFound):
        client.get_model("Fraud")


def test_models_describe_updates_description(client: Client) -> None:
    client.create_model("Fraud")

    ok("models", "describe", "Fraud", "new text")

    assert client.get_model("Fraud").description == "new text"


def test_models_delete_with_yes_removes_model(client: Client) -> None:
    client.create_model("Fraud")
    add_version(client, "Fraud")

    result = ok("models", "delete", "Fraud", "--yes")

    assert "Deleted model Fraud" in result.stdout
    with pytest.raises(NotFound):
        client.get_model("Fraud")


def test_models_delete_without_yes_refuses_when_not_interactive(client: Client) -> None:
    client.create_model("Fraud")
    before = audit_count(client)

    result = cli("models", "delete", "Fraud")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: INVALID_ARGUMENT: refusing to delete model 'Fraud'")
    assert "--yes" in result.stderr
    assert client.get_model("Fraud").name == "Fraud"
    assert audit_count(client) == before


# versions -------------------------------------------------------------------------------


def test_versions_list_json_newest_first(client: Client) -> None:
    for _ in range(3):
        add_version(client, "Fraud")

    body = ok_json("versions", "list", "Fraud")

    assert [v["version"] for v in body["items"]] == [3, 2, 1]
    assert body["next_page_token"] is None
    assert body["items"][0]["stage"] == "None"


def test_versions_list_shows_table(client: Client) -> None:
    add_version(client, "Fraud", tags={"owner": "bob"})
    add_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 1)

    out = ok("versions", "list", "Fraud").stdout

    assert "@champion" in out
    assert "owner=bob" in out


def test_versions_show_lists_files_with_size_and_digest(client: Client) -> None:
    mv = add_version(
        client,
        "Fraud",
        {"model.bin": b"weights", "conf/params.json": b"{}"},
        flavor="sklearn",
        requirements=("scikit-learn==1.5.0",),
        signature={"inputs": [{"name": "amount", "type": "double"}]},
    )

    out = ok("versions", "show", "Fraud", "1").stdout

    for entry in mv.manifest.entries:
        assert entry.path in out
        assert f"sha256:{entry.sha256}" in out.replace("\n", "").replace("│", "").replace(" ", "")
    assert "7 B" in out
    assert "sklearn" in out
    assert "scikit-learn==1.5.0" in out
    assert "amount" in out


def test_versions_show_json_prints_manifest(client: Client) -> None:
    mv = add_version(client, "Fraud", source="runs:/x/model")

    body = ok_json("versions", "show", "Fraud", "latest")

    assert body["version"] == 1
    assert body["manifest_digest"] == mv.manifest_digest
    entry = mv.manifest.entries[0]
    assert body["manifest"]["entries"] == [
        {"path": entry.path, "size": entry.size, "sha256": entry.sha256}
    ]
    assert body["source"] == "runs:/x/model"


@pytest.mark.parametrize("ref", ["@champion", "Production", "production", "2"])
def test_versions_show_resolves_reference(client: Client, ref: str) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud")
    add_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 2)
    client.transition("Fraud", 2, "Production")

    assert ok_json("versions", "show", "Fraud", ref)["version"] == 2


def test_versions_describe_updates_description(client: Client) -> None:
    add_version(client, "Fraud")

    body = ok_json("versions", "describe", "Fraud", "1", "first cut")

    assert body["description"] == "first cut"
    assert client.get_version("Fraud", 1).description == "first cut"


def test_versions_delete_with_yes_removes_version(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud")

    ok("versions", "delete", "Fraud", "latest", "--yes")

    assert [v.version for v in client.list_versions("Fraud")] == [1]


def test_versions_delete_without_yes_refuses_when_not_interactive(client: Client) -> None:
    add_version(client, "Fraud")
    before = audit_count(client)

    result = cli("versions", "delete", "Fraud", "1")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: INVALID_ARGUMENT: refusing to delete version 1")
    assert client.get_version("Fraud", 1).version == 1
    assert audit_count(client) == before


# stages ---------------------------------------------------------------------------------


def test_transition_moves_version_to_stage(client: Client) -> None:
    add_version(client, "Fraud")

    result = ok("transition", "Fraud", "1", "staging", "--comment", "looks good")

    assert "Moved Fraud v1 to Staging" in result.stdout
    assert client.get_version("Fraud", 1).stage == "Staging"


def test_transition_archives_existing_by_default(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud")
    client.transition("Fraud", 1, "Production")

    body = ok_json("transition", "Fraud", "2", "Production")

    assert body["stage"] == "Production"
    assert client.get_version("Fraud", 1).stage == "Archived"


def test_transition_no_archive_existing_keeps_other_version(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud")
    client.transition("Fraud", 1, "Production")

    ok("transition", "Fraud", "2", "Production", "--no-archive-existing")

    assert client.get_version("Fraud", 1).stage == "Production"
    assert client.get_version("Fraud", 2).stage == "Production"


def test_rollback_restores_previous_production(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud")
    client.transition("Fraud", 1, "Production")
    client.transition("Fraud", 2, "Production")

    result = ok("rollback", "Fraud", "--comment", "v2 misfires")

    assert "Production is now v1" in result.stdout
    assert client.get_version("Fraud", "Production").version == 1
    assert client.get_version("Fraud", 2).stage == "Archived"


def test_history_shows_transition_and_rollback(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud")
    ok("transition", "Fraud", "1", "Production")
    ok("transition", "Fraud", "2", "Production")
    ok("rollback", "Fraud", "--comment", "v2 misfires")

    body = ok_json("history", "Fraud")
    moves = [(c["version"], c["from_stage"], c["to_stage"]) for c in body["items"]]

    assert moves[:2] == [(1, "None", "Production"), (2, "None", "Production")]
    assert (1, "Archived", "Production") in moves[2:]
    assert (2, "Production", "Archived") in moves[2:]
    assert any(c["comment"] == "v2 misfires" for c in body["items"])
    assert {c["actor"] for c in body["items"]} == {ACTOR}


def test_history_table_shows_actor_and_comment(client: Client) -> None:
    add_version(client, "Fraud")
    client.transition("Fraud", 1, "Staging", comment="ready")

    out = ok("history", "Fraud", "1").stdout

    assert "Staging" in out
    assert ACTOR in out
    assert "ready" in out


# aliases --------------------------------------------------------------------------------


def test_alias_set_points_alias_at_version(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud")

    body = ok_json("alias", "set", "Fraud", "champion", "1")

    assert body["version"] == 1
    assert body["aliases"] == ["champion"]
    assert client.get_version("Fraud", "@champion").version == 1


def test_alias_delete_removes_alias(client: Client) -> None:
    add_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 1)

    result = ok("alias", "delete", "Fraud", "champion")

    assert "Deleted alias @champion" in result.stdout
    assert client.get_model("Fraud").aliases == {}


# tags -----------------------------------------------------------------------------------


def test_tag_set_on_model_sets_model_tag(client: Client) -> None:
    client.create_model("Fraud")

    body = ok_json("tag", "set", "Fraud", "owner", "alice")

    assert body["tags"] == {"owner": "alice"}
    assert client.get_model("Fraud").tags == {"owner": "alice"}


def test_tag_set_with_version_sets_version_tag(client: Client) -> None:
    add_version(client, "Fraud")

    result = ok("tag", "set", "Fraud", "compliance_approved", "true", "--version", "1")

    assert "compliance_approved=true" in result.stdout
    assert client.get_version("Fraud", 1).tags == {"compliance_approved": "true"}
    assert client.get_model("Fraud").tags == {}


def test_tag_delete_on_model_removes_model_tag(client: Client) -> None:
    client.create_model("Fraud", tags={"owner": "alice", "team": "risk"})

    ok("tag", "delete", "Fraud", "owner")

    assert client.get_model("Fraud").tags == {"team": "risk"}


def test_tag_delete_with_version_removes_version_tag(client: Client) -> None:
    add_version(client, "Fraud", tags={"owner": "alice"})

    body = ok_json("tag", "delete", "Fraud", "owner", "--version", "latest")

    assert body["version"] == 1
    assert body["tags"] == {}
    assert client.get_version("Fraud", 1).tags == {}
