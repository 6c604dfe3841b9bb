"""The audit trail over both transports: who did what, when, before → after."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

import modelyard
from modelyard.client.client import Client
from modelyard.domain.audit import GENESIS
from tests.sdk.support import ACTOR, make_version


def test_create_model_is_audited_with_actor_alice(client: Client) -> None:
    client.create_model("Fraud", "d", {"team": "risk"})

    [event] = client.full_audit("Fraud")
    assert (event.action, event.actor, event.model) == ("model.create", ACTOR, "Fraud")
    assert event.before is None
    assert event.after == {"description": "d", "tags": {"team": "risk"}}
    assert event.at.utcoffset() is not None


def test_update_model_records_before_and_after(client: Client) -> None:
    client.create_model("Fraud", "old")

    client.update_model("Fraud", "new")

    event = client.full_audit("Fraud")[-1]
    assert (event.action, event.actor) == ("model.update", ACTOR)
    assert (event.before, event.after) == ({"description": "old"}, {"description": "new"})


def test_rename_model_records_old_and_new_name(client: Client) -> None:
    client.create_model("Fraud")

    client.rename_model("Fraud", "FraudV2")

    event = client.full_audit("FraudV2")[-1]
    assert event.action == "model.rename"
    assert (event.before, event.after) == ({"name": "Fraud"}, {"name": "FraudV2"})


def test_transition_records_stage_before_and_after(client: Client) -> None:
    make_version(client, "Fraud")

    client.transition("Fraud", 1, "Staging", comment="qa")

    event = client.full_audit("Fraud")[-1]
    assert (event.action, event.actor, event.version) == ("version.transition", ACTOR, 1)
    assert event.before == {"stage": "None"}
    assert event.after == {"stage": "Staging", "comment": "qa"}


def test_create_version_is_audited_with_manifest_digest(client: Client) -> None:
    mv = make_version(client, "Fraud")

    event = client.full_audit("Fraud")[-1]
    assert (event.action, event.actor, event.version) == ("version.create", ACTOR, 1)
    assert event.after is not None and event.after["manifest_digest"] == mv.manifest_digest


def test_delete_version_records_what_was_deleted(client: Client) -> None:
    mv = make_version(client, "Fraud")
    client.set_alias("Fraud", "champion", 1)

    client.delete_version("Fraud", 1)

    event = client.full_audit("Fraud")[-1]
    assert (event.action, event.actor) == ("version.delete", ACTOR)
    assert event.before == {
        "stage": "None",
        "aliases": ["champion"],
        "manifest_digest": mv.manifest_digest,
    }


def test_delete_model_is_audited(client: Client) -> None:
    client.create_model("Fraud")

    client.delete_model("Fraud")

    assert [e.action for e in client.full_audit("Fraud")] == ["model.create", "model.delete"]


def test_audit_of_one_model_excludes_others(client: Client) -> None:
    client.create_model("Fraud")
    client.create_model("Churn")

    assert {e.model for e in client.full_audit("Fraud")} == {"Fraud"}
    assert {e.model for e in client.full_audit()} == {"Fraud", "Churn"}


def test_audit_events_form_a_hash_chain(client: Client) -> None:
    client.create_model("Fraud")
    make_version(client, "Fraud")
    client.transition("Fraud", 1, "Production")

    events = client.full_audit()

    assert events[0].prev_hash == GENESIS
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))


def test_audit_since_excludes_older_events(client: Client) -> None:
    client.create_model("Fraud")
    first = client.full_audit()[-1]
    client.update_model("Fraud", "later")

    events = client.full_audit(since=first.at + timedelta(microseconds=1))

    assert [e.action for e in events] == ["model.update"]


def test_audit_paging_returns_each_event_once(client: Client) -> None:
    for i in range(7):
        client.create_model(f"m{i}")
    seen: list[int] = []
    token: str | None = None

    for _ in range(10):
        page = client.audit(max_results=3, page_token=token)
        seen.extend(e.seq for e in page.items)
        token = page.next_page_token
        if token is None:
            break

    assert seen == list(range(1, 8))


def test_audit_of_invalid_model_name_raises_invalid_argument(client: Client) -> None:
    with pytest.raises(modelyard.InvalidArgument):
        client.audit(model="no spaces allowed")


def test_failed_request_writes_no_audit_event(client: Client) -> None:
    client.create_model("Fraud")
    before = len(client.full_audit())

    with pytest.raises(modelyard.AlreadyExists):
        client.create_model("FRAUD")

    assert len(client.full_audit()) == before
