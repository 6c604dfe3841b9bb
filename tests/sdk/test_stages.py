"""Stage transitions and one-step rollback over both transports."""

from __future__ import annotations

import pytest

import modelyard
from modelyard.client.client import Client
from modelyard.domain.stages import Stage
from tests.sdk.support import ACTOR, make_version, make_versions


def stages(client: Client, name: str = "Fraud") -> dict[int, str]:
    return {v.version: v.stage.value for v in client.list_versions(name)}


def test_transition_moves_version_to_stage(client: Client) -> None:
    make_version(client, "Fraud")

    moved = client.transition("Fraud", 1, "Staging")

    assert moved.stage is Stage.STAGING
    assert client.get_version("Fraud", 1).stage is Stage.STAGING


def test_transition_accepts_stage_name_in_any_case(client: Client) -> None:
    make_version(client, "Fraud")

    assert client.transition("Fraud", 1, "production").stage is Stage.PRODUCTION


def test_transition_by_default_archives_the_previous_holder(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.transition("Fraud", 1, "Production")

    client.transition("Fraud", 2, "Production")

    assert stages(client) == {2: "Production", 1: "Archived"}


def test_transition_without_archive_existing_keeps_both(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.transition("Fraud", 1, "Production")

    client.transition("Fraud", 2, "Production", archive_existing=False)

    assert stages(client) == {2: "Production", 1: "Production"}


def test_transition_to_archived_leaves_others_alone(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.transition("Fraud", 1, "Production")

    client.transition("Fraud", 2, "Archived")

    assert stages(client) == {2: "Archived", 1: "Production"}


def test_transition_records_history_with_actor_and_comment(client: Client) -> None:
    make_version(client, "Fraud")

    client.transition("Fraud", 1, "Staging", comment="ready for QA")

    [change] = client.stage_history("Fraud", 1)
    assert (change.version, change.from_stage, change.to_stage) == (1, Stage.NONE, Stage.STAGING)
    assert (change.actor, change.comment) == (ACTOR, "ready for QA")


def test_transition_to_same_stage_records_nothing(client: Client) -> None:
    make_version(client, "Fraud")
    client.transition("Fraud", 1, "Staging")

    client.transition("Fraud", 1, "Staging")

    assert len(client.stage_history("Fraud")) == 1


def test_stage_history_of_model_lists_changes_oldest_first(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.transition("Fraud", 1, "Staging")
    client.transition("Fraud", 1, "Production")
    client.transition("Fraud", 2, "Staging")

    history = [(c.version, c.to_stage.value) for c in client.stage_history("Fraud")]

    assert history == [(1, "Staging"), (1, "Production"), (2, "Staging")]


def test_rollback_restores_previous_production_in_one_step(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.transition("Fraud", 1, "Production")
    client.transition("Fraud", 2, "Production")

    restored = client.rollback("Fraud")

    assert (restored.version, restored.stage) == (1, Stage.PRODUCTION)
    assert stages(client) == {2: "Archived", 1: "Production"}
    assert client.get_version("Fraud", "Production").version == 1


def test_rollback_records_both_moves_in_stage_history(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.transition("Fraud", 1, "Production")
    client.transition("Fraud", 2, "Production")
    before = len(client.stage_history("Fraud"))

    client.rollback("Fraud", comment="bad release")

    moves = {
        (c.version, c.from_stage.value, c.to_stage.value)
        for c in client.stage_history("Fraud")[before:]
    }
    assert moves == {(1, "Archived", "Production"), (2, "Production", "Archived")}


def test_rollback_is_audited(client: Client) -> None:
    make_versions(client, "Fraud", 2)
    client.transition("Fraud", 1, "Production")
    client.transition("Fraud", 2, "Production")

    client.rollback("Fraud")

    [event] = [e for e in client.full_audit("Fraud") if e.action == "model.rollback"]
    assert (event.actor, event.version) == (ACTOR, 1)
    assert event.before == {"production": [2]}
    assert event.after == {"production": [1]}


def test_rollback_with_single_production_raises_conflict(client: Client) -> None:
    make_version(client, "Fraud")
    client.transition("Fraud", 1, "Production")

    with pytest.raises(modelyard.Conflict) as err:
        client.rollback("Fraud")

    assert err.value.code == "CONFLICT"
    assert stages(client) == {1: "Production"}


def test_rollback_with_no_production_ever_raises_conflict(client: Client) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.Conflict):
        client.rollback("Fraud")


def test_rollback_of_missing_model_raises_not_found(client: Client) -> None:
    with pytest.raises(modelyard.NotFound):
        client.rollback("Ghost")


def test_rollback_skips_a_deleted_previous_version(client: Client) -> None:
    make_versions(client, "Fraud", 3)
    for number in (1, 2, 3):
        client.transition("Fraud", number, "Production")
    client.delete_version("Fraud", 2)

    assert client.rollback("Fraud").version == 1
