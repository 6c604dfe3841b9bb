"""/api/v1 users, tokens, grants and the audit chain, in-process: status codes, error
bodies, no hash or secret where it does not belong, and the caller's rights checked.

Authentication is another part's work; here a dependency override turns a Bearer token
into the request's principal the way the server does once auth is on."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import Request
from sqlalchemy import select

from modelyard.adapters.sql import tables as t
from modelyard.api import deps
from modelyard.service import identity
from modelyard.service.context import Context
from tests.api.support import Server, assert_error

ADMIN_TOKEN = "operator-chosen-bootstrap-secret-0123456789"


def _bearer_context(request: Request) -> Context:
    ctx = deps.context(request)
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return ctx
    return ctx.as_principal(identity.authenticate(ctx, header.removeprefix("Bearer ")))


@pytest.fixture
def authed(server: Server) -> Iterator[Server]:
    """The server with Bearer tokens honoured and the bootstrap admin created."""
    assert identity.ensure_admin(server.registry.context, ADMIN_TOKEN)
    server.http.app.dependency_overrides[deps.context] = _bearer_context  # type: ignore[attr-defined]
    yield server
    server.http.app.dependency_overrides.clear()  # type: ignore[attr-defined]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_token(srv: Server, name: str, role: str | None = None) -> dict[str, str]:
    admin = bearer(ADMIN_TOKEN)
    body = {"name": name} if role is None else {"name": name, "role": role}
    assert srv.http.post("/api/v1/users", json=body, headers=admin).status_code == 201
    made = srv.http.post("/api/v1/tokens", json={"name": "t", "user": name}, headers=admin)
    return bearer(made.json()["token"])


def audit_count(srv: Server) -> int:
    return len(srv.http.get("/api/v1/audit", params={"max_results": 1000}).json()["events"])


# users -----------------------------------------------------------------------------------
def test_create_user_answers_201_without_hash(server: Server) -> None:
    response = server.http.post("/api/v1/users", json={"name": "bob", "role": "editor"})
    assert response.status_code == 201
    assert response.json()["name"] == "bob" and response.json()["kind"] == "user"
    assert "hash" not in response.text


def test_list_users_leaves_password_hashes_out(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    put = server.http.put("/api/v1/users/bob/password", json={"password": "a long passphrase"})
    assert put.status_code == 204
    listed = server.http.get("/api/v1/users")
    assert [u["name"] for u in listed.json()["users"]] == ["bob"]
    assert "argon2" not in listed.text and "password" not in listed.text


def test_create_user_twice_answers_409(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    assert_error(server.http.post("/api/v1/users", json={"name": "BOB"}), 409, "ALREADY_EXISTS")


def test_create_user_with_unknown_role_answers_400_and_creates_nothing(server: Server) -> None:
    response = server.http.post("/api/v1/users", json={"name": "bob", "role": "owner"})
    assert_error(response, 400, "INVALID_ARGUMENT")
    assert server.http.get("/api/v1/users").json()["users"] == []


def test_disable_unknown_user_answers_404(server: Server) -> None:
    assert_error(
        server.http.post("/api/v1/users/nobody/disable", json={}), 404, "RESOURCE_NOT_FOUND"
    )


def test_short_password_answers_400(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    response = server.http.put("/api/v1/users/bob/password", json={"password": "short"})
    assert_error(response, 400, "INVALID_ARGUMENT")


# tokens ----------------------------------------------------------------------------------
def test_create_token_shows_secret_once_and_not_cached(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "ci", "service": True})
    made = server.http.post("/api/v1/tokens", json={"name": "ci", "user": "ci", "expires": "1d"})
    assert made.status_code == 201
    assert made.headers["cache-control"] == "no-store"
    secret = made.json()["token"]
    assert secret.startswith("mdy_") and made.json()["expires_at"] is not None
    listed = server.http.get("/api/v1/tokens", params={"user": "ci"})
    assert [t["id"] for t in listed.json()["tokens"]] == [made.json()["id"]]
    assert secret not in listed.text and "hash" not in listed.text


def test_create_token_with_idempotency_key_stores_no_answer(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "ci", "service": True})
    headers = {"Idempotency-Key": "k1"}
    made = server.http.post("/api/v1/tokens", json={"name": "ci", "user": "ci"}, headers=headers)
    assert made.status_code == 201
    with server.registry.engine.connect() as conn:
        bodies = conn.execute(select(t.request_keys.c.body)).scalars().all()
    assert not any(made.json()["token"].encode() in (b or b"") for b in bodies)


def test_set_password_with_idempotency_key_stores_no_fingerprint(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    body = {"password": "a long passphrase"}
    put = server.http.put("/api/v1/users/bob/password", json=body, headers={"Idempotency-Key": "k"})
    assert put.status_code == 204
    with server.registry.engine.connect() as conn:
        assert conn.execute(select(t.request_keys)).all() == []


def test_create_token_with_bad_expiry_answers_400(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "ci"})
    response = server.http.post("/api/v1/tokens", json={"name": "x", "user": "ci", "expires": "1y"})
    assert_error(response, 400, "INVALID_ARGUMENT")


def test_create_token_without_user_on_open_server_answers_400(server: Server) -> None:
    assert_error(server.http.post("/api/v1/tokens", json={"name": "x"}), 400, "INVALID_ARGUMENT")


def test_revoke_token_answers_204_and_then_it_is_listed_revoked(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "ci"})
    made = server.http.post("/api/v1/tokens", json={"name": "x", "user": "ci"}).json()
    assert server.http.delete(f"/api/v1/tokens/{made['id']}").status_code == 204
    listed = server.http.get("/api/v1/tokens", params={"user": "ci"}).json()["tokens"]
    assert listed[0]["revoked_at"] is not None


def test_revoke_unknown_token_answers_404(server: Server) -> None:
    assert_error(server.http.delete(f"/api/v1/tokens/{'a' * 32}"), 404, "RESOURCE_NOT_FOUND")


# grants ----------------------------------------------------------------------------------
def test_grant_set_list_revoke_round_trip(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    server.http.post("/api/v1/models", json={"name": "fraud-a"})
    body = {"user": "bob", "role": "maintainer", "prefix": "fraud-*"}
    assert server.http.post("/api/v1/grants", json=body).json()["prefix"] == "fraud-*"
    listed = server.http.get("/api/v1/grants", params={"model": "fraud-a"}).json()["grants"]
    assert [(g["user"], g["role"], g["scope"]) for g in listed] == [("bob", "maintainer", "prefix")]
    gone = server.http.delete("/api/v1/grants", params={"user": "bob", "prefix": "fraud-*"})
    assert gone.status_code == 204
    assert server.http.get("/api/v1/grants").json()["grants"] == []


def test_grant_list_for_model_leaves_other_models_grants_out(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    for name in ("fraud-a", "churn"):
        server.http.post("/api/v1/models", json={"name": name})
    server.http.post("/api/v1/grants", json={"user": "bob", "role": "editor", "model": "churn"})
    assert server.http.get("/api/v1/grants", params={"model": "fraud-a"}).json()["grants"] == []


def test_grant_to_unknown_user_answers_404_and_audits_nothing(server: Server) -> None:
    before = audit_count(server)
    response = server.http.post("/api/v1/grants", json={"user": "ghost", "role": "viewer"})
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert audit_count(server) == before


def test_grant_on_unknown_model_answers_404(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    body = {"user": "bob", "role": "viewer", "model": "nope"}
    assert_error(server.http.post("/api/v1/grants", json=body), 404, "RESOURCE_NOT_FOUND")


def test_grant_on_model_and_prefix_answers_400(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    server.http.post("/api/v1/models", json={"name": "m"})
    body = {"user": "bob", "role": "viewer", "model": "m", "prefix": "m*"}
    assert_error(server.http.post("/api/v1/grants", json=body), 400, "INVALID_ARGUMENT")


def test_revoke_grant_that_does_not_exist_answers_404(server: Server) -> None:
    server.http.post("/api/v1/users", json={"name": "bob"})
    gone = server.http.delete("/api/v1/grants", params={"user": "bob"})
    assert_error(gone, 404, "RESOURCE_NOT_FOUND")


# rights ----------------------------------------------------------------------------------
def test_editor_granting_itself_maintainer_answers_403_and_changes_nothing(
    authed: Server,
) -> None:
    editor = user_token(authed, "eve", "editor")
    grants = authed.http.get("/api/v1/grants", headers=bearer(ADMIN_TOKEN)).json()
    body = {"user": "eve", "role": "maintainer"}
    assert_error(authed.http.post("/api/v1/grants", json=body, headers=editor), 403)
    assert authed.http.get("/api/v1/grants", headers=bearer(ADMIN_TOKEN)).json() == grants


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", {"name": "x"}),
        ("POST", "/api/v1/users/admin/disable", {}),
        ("GET", "/api/v1/grants", None),
        ("GET", "/api/v1/audit/verify", None),
        ("POST", "/api/v1/tokens", {"name": "t", "user": "admin"}),
    ],
)
def test_admin_route_by_maintainer_answers_403(
    authed: Server, method: str, path: str, body: dict[str, str] | None
) -> None:
    maintainer = user_token(authed, "mo", "maintainer")
    response = authed.http.request(method, path, json=body, headers=maintainer)
    assert_error(response, 403, "PERMISSION_DENIED")


def test_user_creates_lists_and_revokes_own_token(authed: Server) -> None:
    own = user_token(authed, "vic", "viewer")
    made = authed.http.post("/api/v1/tokens", json={"name": "laptop"}, headers=own)
    assert made.status_code == 201
    listed = authed.http.get("/api/v1/tokens", headers=own).json()["tokens"]
    assert {t["name"] for t in listed} == {"t", "laptop"}
    assert authed.http.delete(f"/api/v1/tokens/{made.json()['id']}", headers=own).status_code == 204


def test_user_lists_own_grants_but_not_others(authed: Server) -> None:
    own = user_token(authed, "vic", "viewer")
    mine = authed.http.get("/api/v1/grants", params={"user": "vic"}, headers=own)
    assert [g["role"] for g in mine.json()["grants"]] == ["viewer"]
    theirs = authed.http.get("/api/v1/grants", params={"user": "admin"}, headers=own)
    assert_error(theirs, 403, "PERMISSION_DENIED")


def test_audit_head_by_global_viewer_answers_seq_and_hash(authed: Server) -> None:
    viewer = user_token(authed, "siem", "viewer")
    head = authed.http.get("/api/v1/audit/head", headers=viewer).json()
    assert head["head"] == f"{head['seq']}:{head['hash']}" and head["seq"] == audit_count(authed)


def test_audit_verify_by_admin_answers_ok(authed: Server) -> None:
    report = authed.http.get("/api/v1/audit/verify", headers=bearer(ADMIN_TOKEN)).json()
    assert report["ok"] is True and report["broken_at"] is None


# the audit chain -------------------------------------------------------------------------
def test_audit_verify_with_malformed_expected_head_answers_400(server: Server) -> None:
    response = server.http.get("/api/v1/audit/verify", params={"expect_head": "12"})
    assert_error(response, 400, "INVALID_ARGUMENT")


def test_audit_verify_with_future_expected_head_reports_cut_tail(server: Server) -> None:
    server.http.post("/api/v1/models", json={"name": "m"})
    response = server.http.get("/api/v1/audit/verify", params={"expect_head": f"9:{'a' * 64}"})
    assert response.status_code == 200
    assert (response.json()["ok"], response.json()["broken_at"]) == (False, 2)


def test_audit_export_streams_ndjson_with_hashes(server: Server) -> None:
    for name in ("a", "b"):
        server.http.post("/api/v1/models", json={"name": name})
    response = server.http.get("/api/v1/audit/export", params={"format": "jsonl", "model": "b"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(r["seq"], r["model"], r["action"]) for r in lines] == [(2, "b", "model.create")]
    assert lines[0]["prev_hash"] != lines[0]["hash"] and lines[0]["hash_version"] == 2


def test_audit_export_is_streamed_without_content_length(server: Server) -> None:
    server.http.post("/api/v1/models", json={"name": "a"})
    with server.http.stream("GET", "/api/v1/audit/export") as response:
        assert "content-length" not in response.headers
        assert [json.loads(line)["seq"] for line in response.iter_lines()] == [1]


def test_audit_export_in_other_format_answers_400(server: Server) -> None:
    response = server.http.get("/api/v1/audit/export", params={"format": "csv"})
    assert_error(response, 400)


def test_audit_export_of_unknown_model_answers_404(server: Server) -> None:
    response = server.http.get("/api/v1/audit/export", params={"model": "nope"})
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
