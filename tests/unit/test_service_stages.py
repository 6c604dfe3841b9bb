"""Stage transitions, rollback, aliases and stage history."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.entities import ModelVersion
from modelyard.domain.stages import Stage
from modelyard.errors import Conflict, InvalidArgument, NotFound
from modelyard.service import models, stages, versions
from modelyard.service.context import Context
from tests.fakes import FakeUnitOfWorkFactory

Register = Callable[..., ModelVersion]


@pytest.fixture
def three(register: Register) -> None:
    """Model ``Fraud`` with versions 1, 2 and 3, all in stage None."""
    for _ in range(3):
        register("Fraud")


def _stage(ctx: Context, number: int) -> Stage:
    return versions.get_version(ctx, "Fraud", number).stage


def _to_production(ctx: Context, *numbers: int) -> None:
    for n in numbers:
        stages.transition_stage(ctx, "Fraud", n, "Production")


@pytest.mark.usefixtures("three")
def test_transition_stage_moves_version(ctx: Context) -> None:
    assert stages.transition_stage(ctx, "Fraud", 1, "staging").stage is Stage.STAGING


@pytest.mark.usefixtures("three")
def test_transition_stage_archives_previous_production_by_default(ctx: Context) -> None:
    _to_production(ctx, 1, 2)
    assert (_stage(ctx, 1), _stage(ctx, 2)) == (Stage.ARCHIVED, Stage.PRODUCTION)


@pytest.mark.usefixtures("three")
def test_transition_stage_archives_previous_staging_by_default(ctx: Context) -> None:
    stages.transition_stage(ctx, "Fraud", 1, "Staging")
    stages.transition_stage(ctx, "Fraud", 2, "Staging")
    assert _stage(ctx, 1) is Stage.ARCHIVED


@pytest.mark.usefixtures("three")
def test_transition_stage_without_archive_existing_keeps_both(ctx: Context) -> None:
    _to_production(ctx, 1)
    stages.transition_stage(ctx, "Fraud", 2, "Production", archive_existing=False)
    assert (_stage(ctx, 1), _stage(ctx, 2)) == (Stage.PRODUCTION, Stage.PRODUCTION)


@pytest.mark.usefixtures("three")
def test_transition_stage_to_archived_leaves_other_archived_versions(ctx: Context) -> None:
    stages.transition_stage(ctx, "Fraud", 1, "Archived")
    stages.transition_stage(ctx, "Fraud", 2, "Archived")
    assert (_stage(ctx, 1), _stage(ctx, 2)) == (Stage.ARCHIVED, Stage.ARCHIVED)


@pytest.mark.usefixtures("three")
def test_transition_stage_records_one_event_per_move(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    _to_production(ctx, 1)
    before = len(store.state.audit)
    _to_production(ctx, 2)
    moves = [(e.version, e.before, e.after) for e in store.state.audit[before:]]
    assert moves == [
        (2, {"stage": "None"}, {"stage": "Production", "comment": ""}),
        (
            1,
            {"stage": "Production"},
            {"stage": "Archived", "comment": "archived: version 2 moved to Production"},
        ),
    ]


@pytest.mark.usefixtures("three")
def test_transition_stage_to_same_stage_records_no_event(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    _to_production(ctx, 1)
    before = len(store.state.audit)
    assert stages.transition_stage(ctx, "Fraud", 1, "production").stage is Stage.PRODUCTION
    assert len(store.state.audit) == before


@pytest.mark.usefixtures("three")
def test_transition_stage_to_same_stage_adds_no_history(ctx: Context) -> None:
    _to_production(ctx, 1)
    _to_production(ctx, 1)
    assert len(stages.stage_history(ctx, "Fraud")) == 1


@pytest.mark.usefixtures("three")
@pytest.mark.parametrize("stage", ["Prod", "latest", "", "Production\n", None, 3])
def test_transition_stage_unknown_stage_raises_invalid_argument_and_changes_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory, stage: object
) -> None:
    commits = store.commits
    with pytest.raises(InvalidArgument):
        stages.transition_stage(ctx, "Fraud", 1, stage)
    assert (store.commits, _stage(ctx, 1)) == (commits, Stage.NONE)


@pytest.mark.usefixtures("three")
def test_transition_stage_records_history_with_actor_and_comment(ctx: Context) -> None:
    stages.transition_stage(ctx.as_actor("bob"), "Fraud", 1, "Staging", comment="smoke ok")
    change = stages.stage_history(ctx, "Fraud", 1)[0]
    assert (change.from_stage, change.to_stage, change.actor, change.comment) == (
        Stage.NONE,
        Stage.STAGING,
        "bob",
        "smoke ok",
    )


@pytest.mark.usefixtures("three")
def test_transition_stage_comment_with_controls_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        stages.transition_stage(ctx, "Fraud", 1, "Staging", comment="ok\x1b[2K")


def test_transition_stage_unknown_version_raises_not_found(
    ctx: Context, register: Register
) -> None:
    register("Fraud")
    with pytest.raises(NotFound):
        stages.transition_stage(ctx, "Fraud", 7, "Staging")


@pytest.mark.usefixtures("three")
def test_rollback_restores_previous_production(ctx: Context) -> None:
    _to_production(ctx, 1, 2)
    assert stages.rollback(ctx, "Fraud").version == 1
    assert _stage(ctx, 1) is Stage.PRODUCTION


@pytest.mark.usefixtures("three")
def test_rollback_archives_current_production(ctx: Context) -> None:
    _to_production(ctx, 1, 2)
    stages.rollback(ctx, "Fraud")
    assert _stage(ctx, 2) is Stage.ARCHIVED


@pytest.mark.usefixtures("three")
def test_rollback_records_both_moves_in_history(ctx: Context) -> None:
    _to_production(ctx, 1, 2)
    stages.rollback(ctx, "Fraud", comment="bad AUC")
    moves = [(c.version, c.from_stage, c.to_stage) for c in stages.stage_history(ctx, "Fraud")[-2:]]
    assert moves == [(1, Stage.ARCHIVED, Stage.PRODUCTION), (2, Stage.PRODUCTION, Stage.ARCHIVED)]


@pytest.mark.usefixtures("three")
def test_rollback_records_two_transitions_and_a_rollback_event(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    _to_production(ctx, 1, 2)
    before = len(store.state.audit)
    stages.rollback(ctx, "Fraud")
    assert store.audit_actions()[before:] == [
        "version.transition",
        "version.transition",
        "model.rollback",
    ]
    assert (store.state.audit[-1].before, store.state.audit[-1].after) == (
        {"production": [2]},
        {"production": [1]},
    )


@pytest.mark.usefixtures("three")
def test_rollback_twice_returns_to_newer_version(ctx: Context) -> None:
    _to_production(ctx, 1, 2)
    stages.rollback(ctx, "Fraud")
    assert stages.rollback(ctx, "Fraud").version == 2


@pytest.mark.usefixtures("three")
def test_rollback_skips_deleted_version(ctx: Context) -> None:
    _to_production(ctx, 1, 2, 3)
    versions.delete_version(ctx, "Fraud", 2)
    assert stages.rollback(ctx, "Fraud").version == 1


@pytest.mark.usefixtures("three")
def test_rollback_with_only_one_production_version_raises_conflict(ctx: Context) -> None:
    _to_production(ctx, 1)
    with pytest.raises(Conflict):
        stages.rollback(ctx, "Fraud")


@pytest.mark.usefixtures("three")
def test_rollback_without_any_production_raises_conflict_and_records_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    before = len(store.state.audit)
    with pytest.raises(Conflict):
        stages.rollback(ctx, "Fraud")
    assert len(store.state.audit) == before


def test_rollback_unknown_model_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        stages.rollback(ctx, "Nope")


@pytest.mark.usefixtures("three")
def test_stage_history_for_one_version_lists_only_its_changes(ctx: Context) -> None:
    _to_production(ctx, 1, 2)
    assert [c.to_stage for c in stages.stage_history(ctx, "Fraud", 1)] == [
        Stage.PRODUCTION,
        Stage.ARCHIVED,
    ]


@pytest.mark.usefixtures("three")
def test_set_alias_points_alias_at_version(ctx: Context) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 2)
    assert models.get_model(ctx, "Fraud").aliases == {"champion": 2}


@pytest.mark.usefixtures("three")
def test_set_alias_shows_on_version(ctx: Context) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 2)
    stages.set_alias(ctx, "Fraud", "blue", 2)
    assert versions.get_version(ctx, "Fraud", 2).aliases == ("blue", "champion")


@pytest.mark.usefixtures("three")
def test_set_alias_moves_alias(ctx: Context) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    stages.set_alias(ctx, "Fraud", "champion", 3)
    assert (versions.get_version(ctx, "Fraud", 1).aliases, _alias_target(ctx)) == ((), 3)


def _alias_target(ctx: Context) -> int:
    return versions.get_version(ctx, "Fraud", "@champion").version


@pytest.mark.usefixtures("three")
def test_set_alias_move_audits_before_and_after(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    stages.set_alias(ctx, "Fraud", "champion", 3)
    event = store.state.audit[-1]
    assert (event.action, event.before, event.after) == (
        "alias.set",
        {"alias": "champion", "version": 1},
        {"alias": "champion", "version": 3},
    )


@pytest.mark.usefixtures("three")
def test_set_alias_to_same_version_records_nothing(
    ctx: Context, store: FakeUnitOfWorkFactory
) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    before = len(store.state.audit)
    stages.set_alias(ctx, "Fraud", "champion", "1")
    assert len(store.state.audit) == before


@pytest.mark.usefixtures("three")
def test_set_alias_via_other_alias_points_at_same_version(ctx: Context) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 2)
    stages.set_alias(ctx, "Fraud", "backup", "@champion")
    assert models.get_model(ctx, "Fraud").aliases == {"champion": 2, "backup": 2}


@pytest.mark.usefixtures("three")
@pytest.mark.parametrize("alias", ["1", "v1", "latest", "Production", "production", "a b", ""])
def test_set_alias_reserved_or_malformed_raises_invalid_argument(ctx: Context, alias: str) -> None:
    with pytest.raises(InvalidArgument):
        stages.set_alias(ctx, "Fraud", alias, 1)


@pytest.mark.usefixtures("three")
def test_set_alias_to_itself_raises_conflict(ctx: Context) -> None:
    with pytest.raises(Conflict):
        stages.set_alias(ctx, "Fraud", "champion", "@champion")


@pytest.mark.usefixtures("three")
def test_set_alias_unknown_version_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        stages.set_alias(ctx, "Fraud", "champion", 9)


@pytest.mark.usefixtures("three")
def test_delete_alias_removes_alias(ctx: Context) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 1)
    stages.delete_alias(ctx, "Fraud", "champion")
    with pytest.raises(NotFound):
        versions.get_version(ctx, "Fraud", "@champion")


@pytest.mark.usefixtures("three")
def test_delete_alias_audits_old_target(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    stages.set_alias(ctx, "Fraud", "champion", 2)
    stages.delete_alias(ctx, "Fraud", "champion")
    event = store.state.audit[-1]
    assert (event.action, event.version, event.before) == (
        "alias.delete",
        2,
        {"alias": "champion", "version": 2},
    )


@pytest.mark.usefixtures("three")
def test_delete_alias_missing_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        stages.delete_alias(ctx, "Fraud", "champion")
