"""Bad credentials: each a 401 with one stable code and one message, and nothing changed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelyard.api.auth import AuthConfig, parse_networks
from modelyard.domain.tokens import REJECTED
from modelyard.errors import InvalidArgument, PermissionDenied
from modelyard.service import identity
from tests.api.auth_support import SETUP, AuthServer, add_user, auth_server
from tests.api.support import assert_error
from tests.conftest import postgres_schema

LIST = "/api/v1/models"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def authed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store_template: Path
) -> Iterator[AuthServer]:
    proxy = AuthConfig(True, "X-Forwarded-User", parse_networks("10.0.0.0/8"))
    with ExitStack() as stack:
        db = None
        if request.param == "postgres":
            request.getfixturevalue("postgres_available")
            db = stack.enter_context(postgres_schema())
        root = tmp_path_factory.mktemp(f"creds-{request.param}")
        yield stack.enter_context(auth_server(root, store_template, db, proxy))


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def refused(authed: AuthServer, headers: dict[str, str], url: str = LIST) -> None:
    """401 UNAUTHENTICATED with the one rejection message, a challenge, nothing changed."""
    response = authed.srv.refuses(
        "POST", url, 401, "UNAUTHENTICATED", headers=headers, json={"name": "intruder"}
    )
    assert response.json()["error"]["message"] == REJECTED
    assert response.headers["www-authenticate"] == 'Bearer realm="modelyard"'


def test_bearer_token_is_accepted(authed: AuthServer) -> None:
    response = authed.http.get(LIST, headers=authed.as_("viewer"))
    assert response.status_code == 200, response.text


def test_forged_secret_is_refused(authed: AuthServer) -> None:
    token = authed.tokens["viewer"]
    refused(authed, {"Authorization": f"Bearer {token[:-4]}AAAA"})


def test_truncated_token_is_refused(authed: AuthServer) -> None:
    refused(authed, {"Authorization": f"Bearer {authed.tokens['editor'][:20]}"})


@pytest.mark.parametrize(
    "value",
    ["Bearer", "Bearer mdy_", "Token abc", "Basic !!!", "Basic " + "A" * 3, "Bearer \x7f", "x"],
)
def test_malformed_header_is_refused(authed: AuthServer, value: str) -> None:
    refused(authed, {"Authorization": value})


def test_revoked_token_is_refused(authed: AuthServer) -> None:
    token = add_user(authed.srv.registry, "revoked-user", "admin")
    identity.revoke_token(authed.srv.registry.context, SETUP, token.split("_")[1])
    refused(authed, {"Authorization": f"Bearer {token}"})


def test_expired_token_is_refused(authed: AuthServer) -> None:
    past = datetime(2020, 1, 1, tzinfo=UTC)
    ctx = replace(authed.srv.registry.context, clock=lambda: past)
    identity.create_user(ctx, SETUP, "expired-user", role="admin")
    token = identity.create_token(ctx, SETUP, "old", user="expired-user", expires="1d")[1]
    refused(authed, {"Authorization": f"Bearer {token}"})


def test_disabled_users_token_is_refused(authed: AuthServer) -> None:
    refused(authed, authed.as_("disabled"))


def test_basic_with_the_token_as_password_is_accepted(authed: AuthServer) -> None:
    response = authed.http.get(LIST, headers=basic("anything", authed.tokens["viewer"]))
    assert response.status_code == 200, response.text


def test_basic_with_a_wrong_secret_is_refused(authed: AuthServer) -> None:
    refused(authed, basic("admin", "not-the-token-at-all-0123456789abcdef"))


@pytest.mark.parametrize("param", ["token", "access_token", "ACCESS_TOKEN"])
def test_token_in_query_string_is_refused_even_with_a_header(
    authed: AuthServer, param: str
) -> None:
    url = f"{LIST}?{param}={authed.tokens['admin']}"
    response = authed.srv.refuses("POST", url, 401, "UNAUTHENTICATED", json={"name": "q"})
    assert "never accepted in a URL" in response.json()["error"]["message"]


def test_token_in_url_is_never_logged(authed: AuthServer, caplog: pytest.LogCaptureFixture) -> None:
    secret = authed.tokens["admin"]
    with caplog.at_level("DEBUG"):
        authed.http.get(f"{LIST}?access_token={secret}", headers={"Authorization": ""})
    server_lines = [r.getMessage() for r in caplog.records if r.name.startswith("modelyard")]
    assert server_lines and all(secret not in line for line in server_lines)


def test_user_header_is_ignored_with_auth_on(authed: AuthServer) -> None:
    headers = {"Authorization": "", "X-Modelyard-User": "admin"}
    authed.srv.refuses("POST", LIST, 401, "UNAUTHENTICATED", headers=headers, json={"name": "u"})


def test_audit_names_the_token_user_not_the_user_header(authed: AuthServer) -> None:
    headers = {**authed.as_("editor"), "X-Modelyard-User": "admin"}
    response = authed.http.post(LIST, json={"name": "by-editor"}, headers=headers)
    assert response.status_code == 201, response.text
    trail = authed.http.get("/api/v1/audit", params={"model": "by-editor"}).json()["events"]
    assert trail[0]["actor"].startswith("editor-user token:")


def test_revoke_racing_requests_fails_the_next_request(authed: AuthServer) -> None:
    token = add_user(authed.srv.registry, "racer", "viewer")
    assert authed.http.get(LIST, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    identity.revoke_token(authed.srv.registry.context, SETUP, token.split("_")[1])
    response = authed.http.get(LIST, headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "UNAUTHENTICATED")


def test_editor_cannot_grant_itself_maintainer(authed: AuthServer) -> None:
    ctx = authed.srv.registry.context
    editor = identity.authenticate(ctx, authed.tokens["editor"])
    with pytest.raises(PermissionDenied):
        identity.set_grant(ctx.as_principal(editor), editor, "editor-user", "maintainer")
    grants = identity.list_grants(ctx, SETUP, "editor-user")
    assert [g.role.label for g in grants] == ["editor"]


def test_probes_need_no_credentials(authed: AuthServer) -> None:
    assert authed.http.get("/healthz", headers={"Authorization": ""}).status_code == 200
    assert authed.http.get("/readyz", headers={"Authorization": "Bearer junk"}).status_code == 200


def test_mlflow_route_answers_in_mlflow_shape_with_basic_challenge(authed: AuthServer) -> None:
    response = authed.http.get(
        "/api/2.0/mlflow/registered-models/search", headers={"Authorization": ""}
    )
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"
    assert response.headers.get_list("www-authenticate") == [
        'Bearer realm="modelyard"',
        'Basic realm="modelyard"',
    ]


def test_mlflow_denial_is_permission_denied(authed: AuthServer) -> None:
    body = {"name": "ml-denied"}
    response = authed.http.post(
        "/api/2.0/mlflow/registered-models/create", json=body, headers=authed.as_("viewer")
    )
    assert response.status_code == 403
    assert response.json()["error_code"] == "PERMISSION_DENIED"


# trusted proxy ---------------------------------------------------------------------------
def from_peer(authed: AuthServer, peer: str) -> TestClient:
    return TestClient(authed.http.app, raise_server_exceptions=False, client=(peer, 40000))


def test_proxy_header_from_trusted_peer_signs_in_that_user(authed: AuthServer) -> None:
    with from_peer(authed, "10.1.2.3") as http:
        response = http.get(LIST, headers={"X-Forwarded-User": "viewer-user"})
    assert response.status_code == 200, response.text


def test_proxy_header_from_untrusted_peer_is_ignored(authed: AuthServer) -> None:
    with from_peer(authed, "192.168.1.9") as http:
        response = http.get(LIST, headers={"X-Forwarded-User": "admin"})
    assert_error(response, 401, "UNAUTHENTICATED")


@pytest.mark.parametrize("name", ["gone", "no-such-user", "bad name!"])
def test_proxy_header_naming_unknown_or_disabled_user_is_refused(
    authed: AuthServer, name: str
) -> None:
    with from_peer(authed, "10.0.0.1") as http:
        response = http.get(LIST, headers={"X-Forwarded-User": name})
    assert_error(response, 401, "UNAUTHENTICATED")
    assert response.json()["error"]["message"] == REJECTED


def test_bad_trusted_proxy_network_is_refused_at_start_up() -> None:
    with pytest.raises(InvalidArgument, match="trusted proxy"):
        parse_networks("10.0.0.0/8,not-a-network")


def test_bootstrap_token_signs_in_as_admin(authed: AuthServer) -> None:
    response = authed.http.post("/api/v1/fsck", json={}, headers=authed.as_("bootstrap"))
    assert response.status_code == 200, response.text
