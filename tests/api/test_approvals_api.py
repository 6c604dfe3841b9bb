"""/api/v1 settings and approvals in-process: 202 with the request, decisions, refusals.

With auth off the X-Modelyard-User header names the people four eyes tells apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from modelyard.adapters.sql import tables
from modelyard.adapters.sql.uow import SqlUnitOfWorkFactory
from tests.api.support import Server, assert_error

EVE, MAX = {"X-Modelyard-User": "eve"}, {"X-Modelyard-User": "max"}


@pytest.fixture
def governed(server: Server) -> Server:
    """Fraud v1 and v2; Production needs approval, `champion` is protected, four eyes."""
    for content in (b"one", b"two"):
        assert server.create_version("Fraud", {"model.bin": content}).status_code == 201
    body = {"protect": ["champion"], "require_approval_production": True, "four_eyes": True}
    response = server.http.patch("/api/v1/models/Fraud/settings", json=body)
    assert response.status_code == 200, response.text
    return server


def _ask_production(server: Server, comment: str = "ship it") -> dict[str, Any]:
    body = {"stage": "Production", "comment": comment}
    response = server.http.post(
        "/api/v1/models/Fraud/versions/1/transition", json=body, headers=EVE
    )
    assert response.status_code == 202, response.text
    approval: dict[str, Any] = response.json()["approval"]
    return approval


def test_get_settings_returns_what_was_set(governed: Server) -> None:
    body = governed.http.get("/api/v1/models/Fraud/settings").json()
    assert (body["protected_aliases"], body["four_eyes"], body["request_ttl_seconds"]) == (
        ["champion"],
        True,
        7 * 24 * 3600,
    )


def test_patch_settings_with_unknown_field_returns_400(governed: Server) -> None:
    governed.refuses("PATCH", "/api/v1/models/Fraud/settings", 400, json={"lock": True})


def test_patch_settings_with_reserved_alias_returns_400(governed: Server) -> None:
    body = {"protect": ["Production"]}
    governed.refuses("PATCH", "/api/v1/models/Fraud/settings", 400, "INVALID_ARGUMENT", json=body)


def test_patch_settings_with_huge_expiry_returns_400(governed: Server) -> None:
    body = {"request_ttl_seconds": -366321766008770}
    governed.refuses("PATCH", "/api/v1/models/Fraud/settings", 400, "INVALID_ARGUMENT", json=body)


def test_transition_under_four_eyes_returns_202_with_request(governed: Server) -> None:
    approval = _ask_production(governed)
    assert (approval["status"], approval["comment"], approval["requested_by"]) == (
        "pending",
        "ship it",
        "eve",
    )


def test_transition_under_four_eyes_leaves_stage(governed: Server) -> None:
    _ask_production(governed)
    assert governed.http.get("/api/v1/models/Fraud/versions/1").json()["stage"] == "None"


def test_set_protected_alias_returns_202(governed: Server) -> None:
    response = governed.http.put(
        "/api/v1/models/Fraud/aliases/champion", json={"version": 2}, headers=EVE
    )
    assert (response.status_code, response.json()["approval"]["alias"]) == (202, "champion")


def test_approve_returns_200_and_moves_version(governed: Server) -> None:
    approval = _ask_production(governed)
    response = governed.http.post(
        f"/api/v1/approvals/{approval['id']}/approve", json={"comment": "ok"}, headers=MAX
    )
    assert (response.status_code, response.json()["status"]) == (200, "approved")
    assert governed.http.get("/api/v1/models/Fraud/versions/1").json()["stage"] == "Production"


def test_approve_own_request_returns_403_self_approval(governed: Server) -> None:
    approval = _ask_production(governed)
    url = f"/api/v1/approvals/{approval['id']}/approve"
    governed.refuses("POST", url, 403, "SELF_APPROVAL", json={}, headers=EVE)


def test_approve_unknown_request_returns_404(governed: Server) -> None:
    governed.refuses("POST", f"/api/v1/approvals/{'f' * 32}/approve", 404, json={}, headers=MAX)


def test_approve_twice_returns_409_already_decided(governed: Server) -> None:
    url = f"/api/v1/approvals/{_ask_production(governed)['id']}/approve"
    assert governed.http.post(url, json={}, headers=MAX).status_code == 200
    governed.refuses("POST", url, 409, "APPROVAL_ALREADY_DECIDED", json={}, headers=MAX)


def test_approve_for_deleted_version_returns_409_superseded(governed: Server) -> None:
    url = f"/api/v1/approvals/{_ask_production(governed)['id']}/approve"
    assert governed.http.delete("/api/v1/models/Fraud/versions/1").status_code == 204
    response = governed.http.post(url, json={}, headers=MAX)
    assert_error(response, 409, "APPROVAL_SUPERSEDED")


def test_reject_returns_200_rejected(governed: Server) -> None:
    approval = _ask_production(governed)
    url = f"/api/v1/approvals/{approval['id']}/reject"
    response = governed.http.post(url, json={"comment": "not yet"}, headers=MAX)
    assert (response.json()["status"], response.json()["decision_comment"]) == (
        "rejected",
        "not yet",
    )


def test_list_approvals_mine_returns_callers_requests(governed: Server) -> None:
    _ask_production(governed)
    mine = governed.http.get("/api/v1/approvals", params={"mine": "true"}, headers=EVE).json()
    theirs = governed.http.get("/api/v1/approvals", params={"mine": "true"}, headers=MAX).json()
    assert (len(mine["approvals"]), theirs["approvals"]) == (1, [])


def test_version_approvals_lists_its_requests(governed: Server) -> None:
    approval = _ask_production(governed)
    body = governed.http.get("/api/v1/models/Fraud/versions/1/approvals").json()
    assert [a["id"] for a in body["approvals"]] == [approval["id"]]


def test_list_approvals_with_unknown_status_returns_400(governed: Server) -> None:
    governed.refuses("GET", "/api/v1/approvals?status=maybe", 400, "INVALID_ARGUMENT")


def test_get_approval_returns_request(governed: Server) -> None:
    approval = _ask_production(governed)
    body = governed.http.get(f"/api/v1/approvals/{approval['id']}").json()
    assert body == approval


def test_audit_trail_shows_each_step(governed: Server) -> None:
    url = f"/api/v1/approvals/{_ask_production(governed)['id']}/approve"
    governed.http.post(url, json={}, headers=MAX)
    events = governed.http.get("/api/v1/audit", params={"model": "Fraud"}).json()["events"]
    steps = [(e["action"], e["actor"]) for e in events if e["action"].startswith("approval.")]
    assert steps == [
        ("approval.requested", "eve"),
        ("approval.approved", "max"),
        ("approval.executed", "max"),
    ]


def _age(server: Server) -> None:
    """Move every request's expiry into the past (the store's own clock is real time)."""
    past = datetime(2020, 1, 1, tzinfo=UTC)
    factory = server.registry.context.uow
    assert isinstance(factory, SqlUnitOfWorkFactory)
    with factory.engine.begin() as conn:
        conn.execute(update(tables.approval_requests).values(expires_at=past))


def test_approve_expired_request_returns_409_expired(governed: Server) -> None:
    url = f"/api/v1/approvals/{_ask_production(governed)['id']}/approve"
    _age(governed)
    assert_error(governed.http.post(url, json={}, headers=MAX), 409, "APPROVAL_EXPIRED")
    assert governed.http.get("/api/v1/models/Fraud/versions/1").json()["stage"] == "None"


def test_expire_records_due_requests_once(governed: Server) -> None:
    _ask_production(governed)
    _age(governed)
    first = governed.http.post("/api/v1/approvals/expire", json={}).json()
    second = governed.http.post("/api/v1/approvals/expire", json={}).json()
    assert (first, second) == ({"expired": 1}, {"expired": 0})
