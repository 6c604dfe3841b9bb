"""Bad input: one ``error: CODE:`` line on stderr, exit code 1, no traceback, nothing changed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from modelyard.cli.main import app, main
from modelyard.cli.output import clean, one_line
from modelyard.client.client import Client
from tests.cli.support import add_version, assert_error, audit_count, cli


# representatives; every class of bad name is in tests/unit/test_domain_names.py
@pytest.mark.parametrize("name", ["a/b", "-leading-dash", ""])
def test_models_create_invalid_name_fails(client: Client, name: str) -> None:
    result = cli("models", "create", "--", name)

    assert_error(result, "INVALID_ARGUMENT")
    assert client.search_models().items == []
    assert audit_count(client) == 0


def test_models_create_duplicate_name_ignoring_case_fails(client: Client) -> None:
    client.create_model("Fraud")

    assert_error(cli("models", "create", "FRAUD"), "ALREADY_EXISTS")
    assert [m.name for m in client.search_models().items] == ["Fraud"]


def test_models_create_invalid_tag_key_fails(client: Client) -> None:
    assert_error(cli("models", "create", "Fraud", "--tag", " x=1"), "INVALID_ARGUMENT")
    assert client.search_models().items == []


def test_models_create_tag_without_equals_is_usage_error(client: Client) -> None:
    result = cli("models", "create", "Fraud", "--tag", "owner")

    assert result.exit_code == 2
    assert "KEY=VALUE" in result.stderr
    assert "Traceback" not in result.output
    assert client.search_models().items == []


def test_models_rename_invalid_new_name_fails(client: Client) -> None:
    client.create_model("Fraud")
    before = audit_count(client)

    assert_error(cli("models", "rename", "Fraud", "a/b"), "INVALID_ARGUMENT")
    assert client.get_model("Fraud").name == "Fraud"
    assert audit_count(client) == before


def test_models_show_missing_model_fails(client: Client) -> None:
    assert_error(cli("models", "show", "Nope"), "RESOURCE_NOT_FOUND")


def test_models_delete_missing_model_fails(client: Client) -> None:
    assert_error(cli("models", "delete", "Nope", "--yes"), "RESOURCE_NOT_FOUND")


def test_models_list_malformed_filter_fails(client: Client) -> None:
    assert_error(cli("models", "list", "--filter", "name = "), "INVALID_ARGUMENT")


def test_models_list_max_results_out_of_range_fails(client: Client) -> None:
    assert_error(cli("models", "list", "--max-results", "0"), "INVALID_ARGUMENT")


def test_versions_show_missing_version_fails(fraud: Client) -> None:
    assert_error(cli("versions", "show", "Fraud", "7"), "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize("ref", ["0", "1.5", "@1"])  # the rest: test_domain_refs.py
def test_versions_show_invalid_reference_fails(fraud: Client, ref: str) -> None:
    assert_error(cli("versions", "show", "Fraud", "--", ref), "INVALID_ARGUMENT")


def test_versions_list_missing_model_fails(client: Client) -> None:
    assert_error(cli("versions", "list", "Nope"), "RESOURCE_NOT_FOUND")


def test_versions_delete_missing_version_fails(fraud: Client) -> None:
    before = audit_count(fraud)

    assert_error(cli("versions", "delete", "Fraud", "2", "--yes"), "RESOURCE_NOT_FOUND")
    assert audit_count(fraud) == before


def test_transition_unknown_stage_fails(fraud: Client) -> None:
    before = audit_count(fraud)

    assert_error(cli("transition", "Fraud", "1", "Prod"), "INVALID_ARGUMENT")
    assert fraud.get_version("Fraud", 1).stage == "None"
    assert audit_count(fraud) == before


def test_transition_missing_version_fails(fraud: Client) -> None:
    assert_error(cli("transition", "Fraud", "9", "Staging"), "RESOURCE_NOT_FOUND")


def test_rollback_without_earlier_production_fails(client: Client) -> None:
    add_version(client, "Fraud")
    client.transition("Fraud", 1, "Production")
    before = audit_count(client)

    assert_error(cli("rollback", "Fraud"), "CONFLICT")
    assert client.get_version("Fraud", 1).stage == "Production"
    assert audit_count(client) == before


@pytest.mark.parametrize("alias", ["v2", "Production", "bad alias"])  # test_domain_names.py
def test_alias_set_invalid_alias_fails(fraud: Client, alias: str) -> None:
    before = audit_count(fraud)

    assert_error(cli("alias", "set", "Fraud", alias, "1"), "INVALID_ARGUMENT")
    assert fraud.get_model("Fraud").aliases == {}
    assert audit_count(fraud) == before


def test_alias_delete_missing_alias_fails(fraud: Client) -> None:
    assert_error(cli("alias", "delete", "Fraud", "champion"), "RESOURCE_NOT_FOUND")


def test_tag_set_missing_version_fails(fraud: Client) -> None:
    before = audit_count(fraud)

    assert_error(cli("tag", "set", "Fraud", "k", "v", "--version", "3"), "RESOURCE_NOT_FOUND")
    assert audit_count(fraud) == before


def test_tag_set_control_character_value_fails(client: Client) -> None:
    client.create_model("Fraud")

    assert_error(cli("tag", "set", "Fraud", "k", "\x1b[31mred"), "INVALID_ARGUMENT")
    assert client.get_model("Fraud").tags == {}


@pytest.mark.parametrize(
    "flt",
    ["tags.owner = alice", "stage = 'Prod'", "owner = 'alice'", "name = 'x' OR name = 'y'"],
)
def test_search_malformed_filter_fails(fraud: Client, flt: str) -> None:
    assert_error(cli("search", flt), "INVALID_ARGUMENT")


def test_search_foreign_page_token_fails(client: Client) -> None:
    assert_error(cli("search", "--page-token", "garbage!"), "INVALID_ARGUMENT")


def test_audit_invalid_since_is_usage_error(client: Client) -> None:
    result = cli("audit", "--since", "yesterday")

    assert result.exit_code == 2
    assert "ISO 8601" in result.stderr
    assert "Traceback" not in result.output


def test_audit_invalid_model_name_fails(client: Client) -> None:
    assert_error(cli("audit", "--model", "a/b"), "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("Fraud/1", "INVALID_ARGUMENT"),
        ("models:/Fraud", "INVALID_ARGUMENT"),
        ("models:/../etc/1", "INVALID_ARGUMENT"),
        ("models:/Fraud/9", "RESOURCE_NOT_FOUND"),
        ("models:/Nope/1", "RESOURCE_NOT_FOUND"),
    ],
)
def test_download_bad_uri_fails(fraud: Client, uri: str, code: str) -> None:
    assert_error(cli("download", uri, "--dest", "out"), code)
    assert not Path("out").exists()


def test_download_dest_is_a_file_fails(fraud: Client) -> None:
    Path("taken").touch()

    result = cli("download", "models:/Fraud/1", "--dest", "taken")

    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_download_dest_not_empty_fails_and_keeps_its_files(fraud: Client) -> None:
    Path("out").mkdir()
    Path("out/notes.txt").write_text("mine")

    assert_error(cli("download", "models:/Fraud/1", "--dest", "out"), "INVALID_ARGUMENT")
    assert [p.name for p in Path("out").iterdir()] == ["notes.txt"]


def test_download_dest_under_a_file_fails(fraud: Client) -> None:
    Path("taken").touch()

    assert_error(cli("download", "models:/Fraud/1", "--dest", "taken/out"), "IO_ERROR")


@pytest.mark.parametrize("run_id", ["abc", "0" * 32])
def test_runs_show_unknown_run_fails(client: Client, run_id: str) -> None:
    result = cli("runs", "show", run_id)

    code = "INVALID_ARGUMENT" if len(run_id) != 32 else "RESOURCE_NOT_FOUND"
    assert_error(result, code)


# output safety ----------------------------------------------------------------------------


def test_clean_escapes_terminal_controls() -> None:
    shown = clean("a\x1b[31mred\x07\u202eevil\x9b")

    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\u202e" not in shown
    assert "\x9b" not in shown
    assert shown == "a\\u001b[31mred\\u0007\\u202eevil\\u009b"


def test_one_line_folds_newlines() -> None:
    assert one_line("first\nsecond\r\n third") == "first second third"


# help -------------------------------------------------------------------------------------


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    for name, cmd in getattr(group, "commands", {}).items():
        path = (*prefix, name)
        if getattr(cmd, "commands", None):
            found.extend(_commands(cmd, path))
        else:
            found.append((path, cmd.help or ""))
    return found


def test_help_every_command_has_a_docstring() -> None:
    from typer.main import get_command

    commands = _commands(get_command(app))

    assert len(commands) >= 20
    assert all(help_text.strip() for _, help_text in commands), commands
    for path, _ in commands:
        result = cli(*path, "--help")
        assert result.exit_code == 0, (path, result.output)


def test_main_reports_error_and_exits_1(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["modelyard", "models", "show", "Nope"])

    with pytest.raises(SystemExit) as exited:
        main()

    captured = capsys.readouterr()
    assert exited.value.code == 1
    assert captured.err == "error: RESOURCE_NOT_FOUND: model 'Nope' does not exist\n"
    assert captured.out == ""
