"""Users, tokens, grants and the audit chain through the SDK, on both transports."""

from __future__ import annotations

import pytest

from modelyard.client.client import Client
from modelyard.domain.identity import PrincipalKind, Role, ScopeKind
from modelyard.errors import InvalidArgument, NotFound


def test_create_user_then_listed_without_password_hash(client: Client) -> None:
    client.create_user("bob", role="editor")
    client.create_user("ci", service=True)
    users = {u.name: u for u in client.list_users()}
    assert users["ci"].kind is PrincipalKind.SERVICE
    assert all(u.password_hash is None for u in users.values())


def test_disable_user_shows_in_list(client: Client) -> None:
    client.create_user("bob")
    client.disable_user("bob")
    assert client.list_users()[0].disabled


def test_create_token_returns_secret_and_lists_without_it(client: Client) -> None:
    client.create_user("ci", service=True)
    row, secret = client.create_token("deploy", user="ci", expires="never")
    assert secret.startswith(f"mdy_{row.id}_") and row.expires_at is None
    listed = client.list_tokens("ci")
    assert [(t.id, t.hash) for t in listed] == [(row.id, "")]


def test_revoke_token_marks_it_revoked(client: Client) -> None:
    client.create_user("ci")
    row, _ = client.create_token("x", user="ci")
    client.revoke_token(row.id)
    assert client.list_tokens("ci")[0].revoked_at is not None


def test_grant_round_trip_on_prefix(client: Client) -> None:
    client.create_user("bob")
    grant = client.set_grant("bob", "maintainer", prefix="Fraud-*")
    assert (grant.role, grant.scope.kind, grant.scope.target) == (
        Role.MAINTAINER,
        ScopeKind.PREFIX,
        "fraud-",
    )
    assert client.list_grants("bob") == [grant]
    client.revoke_grant("bob", prefix="fraud-*")
    assert client.list_grants("bob") == []


def test_list_grants_for_model_keeps_those_that_apply(client: Client) -> None:
    client.create_user("bob")
    client.create_model("fraud-a")
    client.create_model("churn")
    client.set_grant("bob", "viewer")
    client.set_grant("bob", "editor", model="churn")
    client.set_grant("bob", "maintainer", model="fraud-a")
    roles = sorted(g.role.label for g in client.list_grants(model="FRAUD-A"))
    assert roles == ["maintainer", "viewer"]


def test_grant_to_unknown_user_raises_not_found(client: Client) -> None:
    with pytest.raises(NotFound):
        client.set_grant("ghost", "viewer")


def test_audit_head_is_where_verification_ends(client: Client) -> None:
    client.create_model("a")
    client.create_model("b")
    report = client.verify_audit(str(client.audit_head()))
    assert report.ok and report.events == 2 and report.head == client.audit_head()


def test_verify_audit_with_malformed_head_raises_invalid_argument(client: Client) -> None:
    with pytest.raises(InvalidArgument):
        client.verify_audit("2:abc")


def test_export_audit_yields_what_the_trail_holds_with_hashes(client: Client) -> None:
    client.create_model("a")
    client.create_model("b")
    exported = list(client.export_audit())
    assert [(e.seq, e.hash) for e in exported] == [(e.seq, e.hash) for e in client.full_audit()]
    assert exported[1].prev_hash == exported[0].hash
    assert [e.model for e in client.export_audit(model="b")] == ["b"]


def test_export_audit_of_unknown_model_raises_not_found(client: Client) -> None:
    with pytest.raises(NotFound):
        list(client.export_audit(model="nope"))
