"""Protected aliases and approvals through the SDK, over both transports.

With auth off the configured user name (MODELYARD_USER / X-Modelyard-User) is who four eyes
tells apart: eve asks, max approves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import modelyard
from modelyard.api.app import create_app
from modelyard.bootstrap import build
from modelyard.client.client import Client
from modelyard.client.embedded import EmbeddedTransport
from modelyard.client.http import HttpTransport
from modelyard.config import Settings
from modelyard.domain.approvals import ApprovalRequest, ApprovalStatus
from modelyard.domain.entities import ModelVersion
from modelyard.domain.stages import Stage
from modelyard.errors import ApprovalStale, SelfApproval
from tests.conftest import fresh_store
from tests.sdk.support import make_versions


def _clients(kind: str, home: Path, users: tuple[str, ...]) -> Iterator[list[Client]]:
    with ExitStack() as stack:
        registries = []
        clients = []
        for user in users:
            settings = Settings(home=home / "store", cache_dir=home / "cache", user=user)
            registry = build(settings)
            stack.callback(registry.close)
            registries.append(registry)
            if kind == "embedded":
                clients.append(Client(transport=EmbeddedTransport(registry), settings=settings))
                continue
            app = create_app(registry=registry)
            http = stack.enter_context(TestClient(app, headers={"X-Modelyard-User": user}))
            transport = HttpTransport("http://testserver", settings, http)
            clients.append(Client(transport=transport, settings=settings))
        yield clients


@pytest.fixture(params=["embedded", "http"])
def pair(
    request: pytest.FixtureRequest, tmp_path: Path, store_template: Path
) -> Iterator[tuple[Client, Client]]:
    """(eve, max) on one store holding Fraud v1, v2; Production needs approval, `champion`
    is protected, and four eyes is on."""
    fresh_store(store_template, tmp_path / "store")
    for eve, max_ in _clients(request.param, tmp_path, ("eve", "max")):
        make_versions(eve, "Fraud", 2)
        eve.update_model_settings(
            "Fraud", protect=["champion"], require_approval_production=True, four_eyes=True
        )
        yield eve, max_


def _asked(result: object) -> ApprovalRequest:
    assert isinstance(result, ApprovalRequest), result
    return result


def test_update_model_settings_returns_settings(pair: tuple[Client, Client]) -> None:
    settings = pair[1].model_settings("Fraud")
    assert (settings.protected_aliases, settings.four_eyes) == (frozenset({"champion"}), True)


def test_transition_returns_request_with_comment(pair: tuple[Client, Client]) -> None:
    eve, _ = pair
    request = _asked(eve.transition("Fraud", 1, "Production", comment="ship"))
    assert (request.change.comment, request.requested_by, request.status) == (
        "ship",
        "eve",
        ApprovalStatus.PENDING,
    )


def test_transition_to_staging_still_returns_version(pair: tuple[Client, Client]) -> None:
    moved = pair[0].transition("Fraud", 1, "Staging")
    assert isinstance(moved, ModelVersion) and moved.stage is Stage.STAGING


def test_set_protected_alias_returns_request(pair: tuple[Client, Client]) -> None:
    eve, _ = pair
    _asked(eve.set_alias("Fraud", "champion", 2))
    assert eve.get_model("Fraud").aliases == {}


def test_delete_protected_alias_returns_request(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    max_.approve(_asked(eve.set_alias("Fraud", "champion", 2)).id)
    _asked(eve.delete_alias("Fraud", "champion"))
    assert eve.get_model("Fraud").aliases == {"champion": 2}


def test_approve_by_other_person_moves_version(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    request = _asked(eve.transition("Fraud", 1, "Production"))
    done = max_.approve(request.id, "ok")
    assert (done.status, eve.get_version("Fraud", 1).stage) == (
        ApprovalStatus.APPROVED,
        Stage.PRODUCTION,
    )


def test_approve_own_request_raises_self_approval(pair: tuple[Client, Client]) -> None:
    eve, _ = pair
    request = _asked(eve.transition("Fraud", 1, "Production"))
    with pytest.raises(SelfApproval):
        eve.approve(request.id)


def test_self_approval_is_a_permission_denied(pair: tuple[Client, Client]) -> None:
    eve, _ = pair
    request = _asked(eve.transition("Fraud", 1, "Production"))
    with pytest.raises(modelyard.PermissionDenied):
        eve.approve(request.id)


def test_approve_after_version_deleted_raises_stale(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    request = _asked(eve.transition("Fraud", 1, "Production"))
    eve.delete_version("Fraud", 1)
    with pytest.raises(ApprovalStale):
        max_.approve(request.id)


def test_reject_keeps_stage(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    request = _asked(eve.transition("Fraud", 1, "Production"))
    assert max_.reject(request.id, "no").status is ApprovalStatus.REJECTED
    assert eve.get_version("Fraud", 1).stage is Stage.NONE


def test_approvals_of_version_are_visible(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    request = _asked(eve.transition("Fraud", 2, "Production"))
    assert [r.id for r in max_.approvals("Fraud", 2).items] == [request.id]


def test_approvals_mine_lists_only_own(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    _asked(eve.transition("Fraud", 1, "Production"))
    assert (len(eve.approvals(mine=True).items), max_.approvals(mine=True).items) == (1, [])


def test_get_approval_returns_same_request(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    request = _asked(eve.transition("Fraud", 1, "Production"))
    assert max_.get_approval(request.id).requested_at == request.requested_at


def test_audit_shows_approval_steps_on_the_version(pair: tuple[Client, Client]) -> None:
    eve, max_ = pair
    max_.approve(_asked(eve.transition("Fraud", 1, "Production")).id)
    steps = [
        (e.action, e.actor)
        for e in eve.full_audit("Fraud")
        if e.action.startswith("approval.") and e.version == 1
    ]
    assert steps == [
        ("approval.requested", "eve"),
        ("approval.approved", "max"),
        ("approval.executed", "max"),
    ]
