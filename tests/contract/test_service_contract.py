"""The service use cases give identical results over every Repository backend.

One scenario (runs, three versions, transitions, rollback, aliases, tags, search, renames,
deletes, the audit trail and its verification) runs on a Context over each backend and is
compared, field by field, with the same scenario on a fresh fake.
"""

from __future__ import annotations

from typing import Any

import pytest

from modelyard.domain.entities import Dataset, Metric
from modelyard.domain.stages import Stage
from modelyard.errors import ModelyardError
from modelyard.service import audit, models, runs, stages, versions
from modelyard.service.context import Context
from modelyard.service.ports import UnitOfWorkFactory
from modelyard.service.runs import RunSpec
from tests.contract.conftest import backends
from tests.fakes import (
    START,
    FakeUnitOfWorkFactory,
    FixedClock,
    MemoryBlobStore,
    SequentialIds,
    new_version,
)


def _context(factory: UnitOfWorkFactory) -> Context:
    return Context(factory, MemoryBlobStore(), FixedClock(), SequentialIds(), "alice")


def _error(fn: Any, *args: Any, **kwargs: Any) -> str:
    """The code of the error a call raises (the scenario expects it to raise)."""
    try:
        fn(*args, **kwargs)
    except ModelyardError as exc:
        return exc.code
    raise AssertionError(f"{fn.__name__} did not raise")


def scenario(ctx: Context) -> dict[str, Any]:
    assert isinstance(ctx.blobs, MemoryBlobStore)
    blobs, out = ctx.blobs, dict[str, Any]()
    run = runs.start_run(
        ctx,
        RunSpec(experiment="fraud", params={"lr": "0.1"}, tags={"k": "v"}, git_commit="abc1234"),
    )
    runs.log_params(ctx, run.id, {"depth": 3, "lr": "0.1"})
    runs.log_metrics(ctx, run.id, [Metric("loss", 0.5, 0, START), Metric("loss", 0.25, 1, START)])
    runs.log_dataset(ctx, run.id, Dataset("train", "sha256:" + "1" * 64, "s3://b/train"))
    runs.set_run_tag(ctx, run.id, "k", "w")
    out["run"] = runs.end_run(ctx, run.id)
    out["run_frozen"] = _error(runs.set_run_tag, ctx, run.id, "k", "x")

    out["model"] = models.create_model(ctx, "Fraud", "detects fraud", {"team": "risk"})
    out["created"] = [
        versions.create_version(
            ctx,
            "fraud",
            new_version(
                blobs,
                b"weights-%d" % i,
                run_id=run.id if i == 1 else None,
                tags={"data": f"q{i}"},
                flavor_metadata={"i": i},
            ),
            idempotency_key=f"key-{i}",
        )
        for i in (1, 2, 3)
    ]
    out["replayed"] = versions.create_version(
        ctx,
        "Fraud",
        new_version(blobs, b"weights-3", tags={"data": "q3"}, flavor_metadata={"i": 3}),
        idempotency_key="key-3",
    )
    out["conflict"] = _error(
        versions.create_version, ctx, "Fraud", new_version(blobs, b"other"), idempotency_key="key-3"
    )

    out["transitions"] = [
        stages.transition_stage(ctx, "Fraud", 1, "Production", comment="go live"),
        stages.transition_stage(ctx, "Fraud", 2, "staging"),
        stages.transition_stage(ctx, "Fraud", "Staging", "Production"),
    ]
    out["rollback"] = stages.rollback(ctx, "FRAUD")
    out["no_rollback"] = _error(stages.rollback, ctx, "Other")

    out["aliases"] = [
        stages.set_alias(ctx, "Fraud", "champion", 1),
        stages.set_alias(ctx, "Fraud", "challenger", "latest"),
        stages.set_alias(ctx, "Fraud", "champion", "@challenger"),
        stages.set_alias(ctx, "Fraud", "best", "Production"),
    ]
    stages.delete_alias(ctx, "Fraud", "challenger")
    versions.set_version_tag(ctx, "Fraud", "@champion", "reviewed", "yes")
    versions.delete_version_tag(ctx, "Fraud", 2, "data")
    models.set_model_tag(ctx, "Fraud", "tier", "gold")
    models.delete_model_tag(ctx, "Fraud", "team")
    out["described"] = versions.update_version(ctx, "Fraud", "Production", "the good one")
    out["updated"] = models.update_model(ctx, "Fraud", "still detects fraud")

    versions.create_version(ctx, "Other", new_version(blobs, b"other-1"))
    out["renamed"] = models.rename_model(ctx, "other", "Churn")
    out["search"] = {
        f: versions.search_versions(ctx, f)
        for f in (
            "tags.data = 'q1'",
            "tags.data ILIKE 'Q%'",
            "name = 'fraud' AND stage = 'production'",
            "alias = 'champion'",
            "tags.reviewed = 'yes'",
            "stage = 'Archived'",
        )
    }
    first = versions.search_versions(ctx, "version != 99", max_results=2)
    out["pages"] = [first, versions.search_versions(ctx, "version != 99", 2, first.next_page_token)]
    out["model_search"] = [
        models.search_models(ctx, "tags.tier = 'gold'"),
        models.search_models(ctx, "name ILIKE '%R%'"),
    ]

    versions.delete_version(ctx, "Fraud", "@champion")
    models.delete_model(ctx, "Churn")
    out["after_delete"] = {
        "latest": versions.get_version(ctx, "Fraud", "latest"),
        "production": versions.get_version(ctx, "Fraud", "production"),
        "model": models.get_model(ctx, "Fraud"),
        "deleted_version": _error(versions.get_version, ctx, "Fraud", 3),
        "deleted_alias": _error(versions.get_version, ctx, "Fraud", "@champion"),
        "deleted_model": _error(models.get_model, ctx, "churn"),
        "listed": versions.list_versions(ctx, "Fraud"),
        "models": models.search_models(ctx),
    }
    out["reused_name"] = versions.create_version(ctx, "CHURN", new_version(blobs, b"churn-2"))
    out["history"] = stages.stage_history(ctx, "Fraud")
    out["history_1"] = stages.stage_history(ctx, "Fraud", 1)
    out["run_after"] = runs.get_run(ctx, run.id)
    out["audit_fraud"] = audit.audit_trail(ctx, model="Fraud")
    out["audit_since"] = audit.audit_trail(ctx, since=out["rollback"].updated_at, max_results=3)
    out["audit"] = audit.audit_trail(ctx, max_results=1000)
    out["verified"] = audit.verify_chain(ctx)
    return out


def test_scenario_gives_identical_results_on_every_backend(
    uow_factory: UnitOfWorkFactory,
) -> None:
    got = scenario(_context(uow_factory))
    expected = scenario(_context(FakeUnitOfWorkFactory()))
    assert got.keys() == expected.keys()
    for key in expected:
        assert got[key] == expected[key], key


def test_scenario_reaches_the_expected_registry_state(uow_factory: UnitOfWorkFactory) -> None:
    out = scenario(_context(uow_factory))
    assert [v.version for v in out["created"]] == [1, 2, 3]
    assert out["replayed"] == out["created"][2]
    assert (out["conflict"], out["no_rollback"], out["run_frozen"]) == (
        "IDEMPOTENCY_KEY_REUSED",
        "RESOURCE_NOT_FOUND",
        "CONFLICT",
    )
    assert (out["rollback"].version, out["rollback"].stage) == (1, Stage.PRODUCTION)
    after = out["after_delete"]
    assert (after["latest"].version, after["production"].version) == (2, 1)
    assert after["model"].aliases == {"best": 1}
    assert [v.version for v in after["listed"].items] == [2, 1]
    assert [m.name for m in after["models"].items] == ["Fraud"]
    assert (after["deleted_version"], after["deleted_alias"], after["deleted_model"]) == (
        "RESOURCE_NOT_FOUND",
        "RESOURCE_NOT_FOUND",
        "RESOURCE_NOT_FOUND",
    )
    assert out["reused_name"].version == 1
    assert [(c.version, c.from_stage, c.to_stage) for c in out["history"]] == [
        (1, Stage.NONE, Stage.PRODUCTION),
        (2, Stage.NONE, Stage.STAGING),
        (2, Stage.STAGING, Stage.PRODUCTION),
        (1, Stage.PRODUCTION, Stage.ARCHIVED),
        (1, Stage.ARCHIVED, Stage.PRODUCTION),
        (2, Stage.PRODUCTION, Stage.ARCHIVED),
    ]
    assert [[(v.name, v.version) for v in p.items] for p in out["pages"]] == [
        [("Churn", 1), ("Fraud", 3)],
        [("Fraud", 2), ("Fraud", 1)],
    ]
    assert out["pages"][1].next_page_token is None
    assert out["verified"] == len(out["audit"].items) == out["audit"].items[-1].seq


@pytest.mark.parametrize(
    "uow_factory",
    backends(),
    indirect=True,
)
def test_transition_archives_other_versions_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    ctx = _context(uow_factory)
    assert isinstance(ctx.blobs, MemoryBlobStore)
    for i in (1, 2, 3):
        versions.create_version(ctx, "Fraud", new_version(ctx.blobs, b"w%d" % i))
    stages.transition_stage(ctx, "Fraud", 1, "Production")
    stages.transition_stage(ctx, "Fraud", 2, "Production", archive_existing=False)
    stages.transition_stage(ctx, "Fraud", 3, "Production")
    archived = [c.version for c in stages.stage_history(ctx, "Fraud")[-2:]]
    assert archived == [2, 1]
