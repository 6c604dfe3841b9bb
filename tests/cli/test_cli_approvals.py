"""``modelyard models protect/set/settings`` and ``modelyard approvals …`` on both transports.

With auth off MODELYARD_USER names the person: alice asks, max approves."""

from __future__ import annotations

import pytest

from modelyard.client.client import Client
from modelyard.domain.stages import Stage
from tests.cli.support import ACTOR, add_version, assert_error, cli, ok, ok_json


@pytest.fixture
def governed(client: Client) -> Client:
    """Fraud v1 and v2; champion protected; Production needs approval; four eyes."""
    add_version(client, "Fraud")
    add_version(client, "Fraud", {"model.bin": b"two"})
    ok("models", "protect", "Fraud", "--alias", "champion")
    ok("models", "set", "Fraud", "--require-approval", "production", "--four-eyes")
    return client


def _ask(*args: str) -> str:
    body = ok_json(*args)
    request_id: str = body["approval"]["id"]
    return request_id


def as_user(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("MODELYARD_USER", name)


def test_models_settings_json_shows_what_was_set(governed: Client) -> None:
    body = ok_json("models", "settings", "Fraud")
    assert (body["protected_aliases"], body["require_approval_production"], body["four_eyes"]) == (
        ["champion"],
        True,
        True,
    )


def test_models_set_request_expiry_in_days(governed: Client) -> None:
    body = ok_json("models", "set", "Fraud", "--request-expiry", "2d")
    assert body["request_ttl_seconds"] == 2 * 86400


def test_models_set_bad_expiry_is_invalid_argument(governed: Client) -> None:
    assert_error(cli("models", "set", "Fraud", "--request-expiry", "soon"), "INVALID_ARGUMENT")


def test_models_set_other_stage_is_invalid_argument(governed: Client) -> None:
    assert_error(cli("models", "set", "Fraud", "--require-approval", "staging"), "INVALID_ARGUMENT")


def test_transition_prints_pending_request(governed: Client) -> None:
    result = ok("transition", "Fraud", "1", "Production", "--comment", "ship")
    assert "pending request" in result.stdout
    assert governed.get_version("Fraud", 1).stage is Stage.NONE


def test_transition_json_prints_request_with_comment(governed: Client) -> None:
    body = ok_json("transition", "Fraud", "1", "Production", "-m", "ship")
    assert (body["approval"]["comment"], body["approval"]["requested_by"]) == ("ship", ACTOR)


def test_alias_set_on_protected_alias_prints_request(governed: Client) -> None:
    _ask("alias", "set", "Fraud", "champion", "2")
    assert governed.get_model("Fraud").aliases == {}


def test_approvals_approve_by_other_user_moves_version(
    governed: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = _ask("transition", "Fraud", "1", "Production")
    as_user(monkeypatch, "max")
    body = ok_json("approvals", "approve", request_id, "--comment", "ok")
    assert (body["status"], body["decided_by"]) == ("approved", "max")
    assert governed.get_version("Fraud", 1).stage is Stage.PRODUCTION


def test_approvals_approve_own_request_is_self_approval(governed: Client) -> None:
    request_id = _ask("transition", "Fraud", "1", "Production")
    assert_error(cli("approvals", "approve", request_id), "SELF_APPROVAL")


def test_approvals_approve_unknown_id_is_not_found(governed: Client) -> None:
    assert_error(cli("approvals", "approve", "f" * 32), "RESOURCE_NOT_FOUND")


def test_approvals_reject_keeps_stage(governed: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    request_id = _ask("transition", "Fraud", "1", "Production")
    as_user(monkeypatch, "max")
    assert "Rejected" in ok("approvals", "reject", request_id, "-m", "no").stdout
    assert governed.get_version("Fraud", 1).stage is Stage.NONE


def test_approvals_list_mine_json_shows_own_requests(
    governed: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ask("transition", "Fraud", "1", "Production")
    mine = ok_json("approvals", "list", "--mine")["items"]
    as_user(monkeypatch, "max")
    theirs = ok_json("approvals", "list", "--mine")["items"]
    assert ([r["requested_by"] for r in mine], theirs) == ([ACTOR], [])


def test_approvals_list_of_version_shows_its_requests(governed: Client) -> None:
    request_id = _ask("alias", "set", "Fraud", "champion", "2")
    items = ok_json("approvals", "list", "--model", "Fraud", "--version", "2")["items"]
    assert [r["id"] for r in items] == [request_id]


def test_approvals_list_table_shows_request(governed: Client) -> None:
    request_id = _ask("transition", "Fraud", "1", "Production", "-m", "ship")
    assert request_id in ok("approvals", "list").stdout


def test_approvals_list_version_without_model_is_invalid(governed: Client) -> None:
    assert_error(cli("approvals", "list", "--version", "1"), "INVALID_ARGUMENT")


def test_approvals_show_json_returns_request(governed: Client) -> None:
    request_id = _ask("transition", "Fraud", "1", "Production")
    assert ok_json("approvals", "show", request_id)["status"] == "pending"


def test_approvals_expire_json_counts_nothing_due(governed: Client) -> None:
    _ask("transition", "Fraud", "1", "Production")
    assert ok_json("approvals", "expire") == {"expired": 0}
    assert ok_json("approvals", "list", "--status", "pending")["items"] != []
