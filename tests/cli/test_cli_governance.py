"""``modelyard users``, ``tokens``, ``grants`` and ``audit head/verify/export``, on an
embedded store and against a real server on loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelyard.cli.main import app
from tests.cli.support import assert_error, cli, ok, ok_json

pytestmark = pytest.mark.usefixtures("home")
TOKEN = re.compile(r"mdy_[0-9a-f]{32}_[A-Za-z0-9_-]{43}")


def test_users_create_list_disable(home: Path) -> None:
    ok("users", "create", "bob", "--role", "editor")
    ok("users", "create", "ci", "--service")
    ok("users", "disable", "bob")
    users = {u["name"]: u for u in ok_json("users", "list")["items"]}
    assert users["ci"]["kind"] == "service" and users["ci"]["disabled_at"] is None
    assert users["bob"]["disabled_at"] is not None
    assert all("password" not in key and "hash" not in key for u in users.values() for key in u)


def test_users_create_with_unknown_role_fails_and_creates_nothing(home: Path) -> None:
    assert_error(cli("users", "create", "bob", "--role", "owner"), "INVALID_ARGUMENT")
    assert ok_json("users", "list")["items"] == []


def test_users_password_from_stdin_is_set(home: Path) -> None:
    ok("users", "create", "bob")
    result = CliRunner().invoke(
        app, ["users", "password", "bob", "--password-stdin"], input="a long passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert "passphrase" not in result.output


def test_users_password_without_terminal_or_stdin_flag_refuses(home: Path) -> None:
    ok("users", "create", "bob")
    assert_error(cli("users", "password", "bob"), "INVALID_ARGUMENT")


def test_tokens_create_prints_token_alone_on_last_line(home: Path) -> None:
    ok("users", "create", "ci", "--service")
    out = ok("tokens", "create", "--user", "ci", "--name", "ci", "--expires", "90d").stdout
    assert TOKEN.fullmatch(out.splitlines()[-1])


def test_tokens_create_json_has_token_and_id_but_no_hash(home: Path) -> None:
    ok("users", "create", "ci", "--service")
    made = ok_json("tokens", "create", "--user", "ci", "--name", "ci")
    assert TOKEN.fullmatch(made["token"]) and made["token"].startswith(f"mdy_{made['id']}_")
    assert "hash" not in made


def test_tokens_list_never_shows_secret(home: Path) -> None:
    ok("users", "create", "ci", "--service")
    secret = ok_json("tokens", "create", "--user", "ci", "--name", "ci")["token"]
    out = ok("tokens", "list", "--user", "ci").stdout
    listed = ok_json("tokens", "list", "--user", "ci")["items"]
    assert secret not in out and secret not in json.dumps(listed)
    assert [set(t) & {"token", "hash"} for t in listed] == [set()]


def test_tokens_revoke_then_listed_revoked(home: Path) -> None:
    ok("users", "create", "ci")
    made = ok_json("tokens", "create", "--user", "ci", "--name", "ci")
    ok("tokens", "revoke", made["id"])
    assert ok_json("tokens", "list", "--user", "ci")["items"][0]["revoked_at"] is not None


def test_tokens_create_with_bad_expiry_fails(home: Path) -> None:
    ok("users", "create", "ci")
    result = cli("tokens", "create", "--user", "ci", "--name", "ci", "--expires", "soon")
    assert_error(result, "INVALID_ARGUMENT")


def test_grants_set_list_revoke(home: Path) -> None:
    ok("users", "create", "bob")
    ok("models", "create", "fraud-a")
    ok("grants", "set", "bob", "maintainer", "--prefix", "fraud-*")
    ok("grants", "set", "bob", "viewer")
    listed = ok_json("grants", "list", "--user", "bob", "--model", "fraud-a")["items"]
    assert sorted((g["role"], g["scope"]) for g in listed) == [
        ("maintainer", "prefix"),
        ("viewer", "global"),
    ]
    ok("grants", "revoke", "bob", "--prefix", "fraud-*")
    assert [g["scope"] for g in ok_json("grants", "list")["items"]] == ["global"]


def test_grants_set_on_model_and_prefix_fails(home: Path) -> None:
    ok("users", "create", "bob")
    ok("models", "create", "m")
    result = cli("grants", "set", "bob", "viewer", "--model", "m", "--prefix", "m*")
    assert_error(result, "INVALID_ARGUMENT")


def test_grants_set_for_unknown_user_fails(home: Path) -> None:
    assert_error(cli("grants", "set", "ghost", "viewer"), "RESOURCE_NOT_FOUND")


def test_audit_head_prints_seq_colon_hash(home: Path) -> None:
    ok("models", "create", "m")
    assert re.fullmatch(r"1:[0-9a-f]{64}\n", ok("audit", "head").stdout)


def test_audit_verify_prints_events_and_head(home: Path) -> None:
    ok("models", "create", "m")
    head = ok("audit", "head").stdout.strip()
    assert ok("audit", "verify").stdout == f"chain verifies: 1 events, head {head}\n"


def test_audit_export_writes_one_json_event_per_line(home: Path) -> None:
    ok("models", "create", "a")
    ok("models", "create", "b")
    lines = ok("audit", "export", "--format", "jsonl").stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["seq"], r["model"]) for r in records] == [(1, "a"), (2, "b")]
    assert records[1]["prev_hash"] == records[0]["hash"]


def test_audit_export_of_one_model_since_a_time(home: Path) -> None:
    ok("models", "create", "a")
    ok("models", "create", "b")
    out = ok("audit", "export", "--model", "b", "--since", "2000-01-01T00:00:00Z").stdout
    assert [json.loads(line)["model"] for line in out.splitlines()] == ["b"]


def test_audit_export_in_unknown_format_is_a_usage_error(home: Path) -> None:
    assert cli("audit", "export", "--format", "csv").exit_code == 2


def test_audit_without_subcommand_still_lists_the_trail(home: Path) -> None:
    ok("models", "create", "a")
    assert [e["action"] for e in ok_json("audit")["items"]] == ["model.create"]
