"""The ``modelyard`` CLI: search, audit, download, runs, and the global ``--uri``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelyard.client.client import Client
from tests.cli.support import ACTOR, add_run, add_version, ok, ok_json

# search ---------------------------------------------------------------------------------


def test_search_filters_by_tag(client: Client) -> None:
    add_version(client, "Fraud", tags={"owner": "alice"})
    add_version(client, "Fraud", tags={"owner": "bob"})
    add_version(client, "Churn", tags={"owner": "alice"})

    body = ok_json("search", "tags.owner = 'alice'")

    found = sorted((v["name"], v["version"]) for v in body["items"])
    assert found == [("Churn", 1), ("Fraud", 1)]
    assert body["next_page_token"] is None


def test_search_filters_by_tag_and_stage(client: Client) -> None:
    add_version(client, "Fraud", tags={"owner": "alice"})
    add_version(client, "Fraud", tags={"owner": "alice"})
    client.transition("Fraud", 2, "Production")

    body = ok_json("search", "tags.owner = 'alice' AND stage = 'Production'")

    assert [(v["name"], v["version"]) for v in body["items"]] == [("Fraud", 2)]


def test_search_table_shows_model_names(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Churn")

    out = ok("search").stdout

    assert "Fraud" in out
    assert "Churn" in out


def test_search_pages_with_token(client: Client) -> None:
    for _ in range(3):
        add_version(client, "Fraud")

    first = ok_json("search", "name = 'Fraud'", "--max-results", "2")
    rest = ok_json("search", "name = 'Fraud'", "-n", "2", "--page-token", first["next_page_token"])

    versions = [v["version"] for v in first["items"] + rest["items"]]
    assert sorted(versions) == [1, 2, 3]
    assert rest["next_page_token"] is None


# audit ----------------------------------------------------------------------------------


def test_audit_lists_events_with_actor_and_before_after(client: Client) -> None:
    add_version(client, "Fraud")
    ok("transition", "Fraud", "1", "Staging")

    body = ok_json("audit", "--model", "Fraud")

    moves = [e for e in body["items"] if e["action"] == "version.transition"]
    assert len(moves) == 1
    assert moves[0]["actor"] == ACTOR
    assert moves[0]["model"] == "Fraud"
    assert moves[0]["version"] == 1
    assert moves[0]["before"] == {"stage": "None"}
    assert moves[0]["after"]["stage"] == "Staging"
    assert datetime.fromisoformat(moves[0]["at"]).tzinfo is not None


def test_audit_table_shows_who_what_and_change(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one row per event, so the change reads whole
    add_version(client, "Fraud")
    client.transition("Fraud", 1, "Staging")

    out = ok("audit").stdout

    assert ACTOR in out
    assert "version.transition" in out
    assert "Fraud v1" in out
    assert '{"stage": "None"} →' in out


def test_audit_filters_by_model(client: Client) -> None:
    client.create_model("Fraud")
    client.create_model("Churn")

    body = ok_json("audit", "--model", "Churn")

    assert [(e["action"], e["model"]) for e in body["items"]] == [("model.create", "Churn")]


def test_audit_since_future_returns_nothing(client: Client) -> None:
    client.create_model("Fraud")
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    body = ok_json("audit", "--since", later)

    assert body == {"items": [], "next_page_token": None}


def test_audit_since_past_returns_events(client: Client) -> None:
    client.create_model("Fraud")

    body = ok_json("audit", "--since", "2000-01-01T00:00:00Z")

    assert [e["action"] for e in body["items"]] == ["model.create"]


# download -------------------------------------------------------------------------------


def test_download_writes_files_that_match(client: Client, tmp_path: Path) -> None:
    files = {"model.bin": b"weights", "conf/params.json": b'{"depth": 8}'}
    add_version(client, "Fraud", files)
    dest = tmp_path / "out"

    result = ok("download", "models:/Fraud/1", "--dest", str(dest))

    assert result.stdout.strip() == str(dest.resolve())
    for path, data in files.items():
        assert (dest / path).read_bytes() == data


def test_download_by_alias_json_prints_path(client: Client, tmp_path: Path) -> None:
    add_version(client, "Fraud", {"model.bin": b"one"})
    add_version(client, "Fraud", {"model.bin": b"two"})
    client.set_alias("Fraud", "champion", 1)

    body = json.loads(ok("download", "models:/Fraud@champion", "--json").stdout)

    assert (Path(body["path"]) / "model.bin").read_bytes() == b"one"
    assert body["uri"] == "models:/Fraud@champion"


# runs -----------------------------------------------------------------------------------


def test_runs_show_prints_lineage(client: Client) -> None:
    lineage = add_run(client)

    out = ok("runs", "show", lineage.run_id).stdout

    for expected in ("n_estimators", "100", "val_auc", "0.93", "train", "s3://data/train.csv"):
        assert expected in out
    assert "0123456789abcdef0123456789abcdef01234567 (clean)" in out
    assert "3.11.9" in out
    assert "FINISHED" in out


def test_runs_show_json_prints_run(client: Client) -> None:
    lineage = add_run(client)

    body = ok_json("runs", "show", lineage.run_id)

    assert body["id"] == lineage.run_id
    assert body["params"] == {"n_estimators": "100", "max_depth": "8"}
    assert body["metrics"][0]["key"] == "val_auc"
    assert body["metrics"][0]["value"] == 0.93
    assert body["datasets"][0]["source"] == "s3://data/train.csv"
    assert lineage.dataset_digest in body["datasets"][0]["digest"]
    assert body["git_commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert body["python_version"] == "3.11.9"
    assert body["status"] == "FINISHED"


def test_versions_show_links_run(client: Client) -> None:
    lineage = add_run(client)
    add_version(client, "Fraud", run_id=lineage.run_id)

    out = ok("versions", "show", "Fraud", "1").stdout

    assert lineage.run_id in out


# global options -------------------------------------------------------------------------


def test_uri_option_selects_another_store(client: Client, tmp_path: Path) -> None:
    client.create_model("Fraud")
    other = tmp_path / "other"

    ok("--uri", str(other), "models", "create", "Elsewhere")

    assert [m["name"] for m in ok_json("--uri", str(other), "models", "list")["items"]] == [
        "Elsewhere"
    ]
    assert [m["name"] for m in ok_json("models", "list")["items"]] == ["Fraud"]
