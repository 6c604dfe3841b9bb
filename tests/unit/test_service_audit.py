"""The audit trail: one event per mutation, hash-chained, committed with its change or not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import Dataset, Metric, NewVersion, Run
from modelyard.errors import IntegrityError, InvalidArgument, ModelyardError
from modelyard.service import audit, models, runs, stages, versions
from modelyard.service.context import Context
from tests.fakes import START, FakeUnitOfWorkFactory, MemoryBlobStore, new_version

Op = Callable[[Context, Run, MemoryBlobStore], object]


@pytest.fixture
def seeded(ctx: Context, blobs: MemoryBlobStore) -> Run:
    """Fraud v1 (Production, alias champion, tag owner) and v2; a running run."""
    versions.create_version(ctx, "Fraud", new_version(blobs, b"1", tags={"owner": "alice"}))
    versions.create_version(ctx, "Fraud", new_version(blobs, b"2"))
    models.set_model_tag(ctx, "Fraud", "team", "risk")
    stages.transition_stage(ctx, "Fraud", 1, "Production")
    stages.set_alias(ctx, "Fraud", "champion", 1)
    return runs.start_run(ctx, runs.RunSpec())


MUTATIONS: dict[str, tuple[Op, list[str]]] = {
    "create_model": (lambda c, r, b: models.create_model(c, "Churn"), ["model.create"]),
    "create_version_new_model": (
        lambda c, r, b: versions.create_version(c, "Churn", new_version(b)),
        ["model.create", "version.create"],
    ),
    "create_version": (
        lambda c, r, b: versions.create_version(c, "Fraud", new_version(b, b"3")),
        ["version.create"],
    ),
    "rename_model": (lambda c, r, b: models.rename_model(c, "Fraud", "F2"), ["model.rename"]),
    "update_model": (lambda c, r, b: models.update_model(c, "Fraud", "d"), ["model.update"]),
    "delete_model": (lambda c, r, b: models.delete_model(c, "Fraud"), ["model.delete"]),
    "set_model_tag": (
        lambda c, r, b: models.set_model_tag(c, "Fraud", "k", "v"),
        ["model.tag.set"],
    ),
    "delete_model_tag": (
        lambda c, r, b: models.delete_model_tag(c, "Fraud", "team"),
        ["model.tag.delete"],
    ),
    "update_version": (
        lambda c, r, b: versions.update_version(c, "Fraud", 2, "d"),
        ["version.update"],
    ),
    "delete_version": (
        lambda c, r, b: versions.delete_version(c, "Fraud", 1),
        ["version.delete"],
    ),
    "set_version_tag": (
        lambda c, r, b: versions.set_version_tag(c, "Fraud", 2, "k", "v"),
        ["version.tag.set"],
    ),
    "delete_version_tag": (
        lambda c, r, b: versions.delete_version_tag(c, "Fraud", 1, "owner"),
        ["version.tag.delete"],
    ),
    "transition_staging": (
        lambda c, r, b: stages.transition_stage(c, "Fraud", 2, "Staging"),
        ["version.transition"],
    ),
    "transition_production_archives": (
        lambda c, r, b: stages.transition_stage(c, "Fraud", 2, "Production"),
        ["version.transition", "version.transition"],
    ),
    "set_alias": (lambda c, r, b: stages.set_alias(c, "Fraud", "blue", 2), ["alias.set"]),
    "delete_alias": (
        lambda c, r, b: stages.delete_alias(c, "Fraud", "champion"),
        ["alias.delete"],
    ),
    "start_run": (lambda c, r, b: runs.start_run(c, runs.RunSpec()), ["run.start"]),
    "log_params": (lambda c, r, b: runs.log_params(c, r.id, {"p": 1}), ["run.params"]),
    "log_metrics": (
        lambda c, r, b: runs.log_metrics(c, r.id, [Metric("m", 1.0, 0, START)]),
        ["run.metrics"],
    ),
    "log_dataset": (
        lambda c, r, b: runs.log_dataset(c, r.id, Dataset("d", "d" * 64, "s")),
        ["run.dataset"],
    ),
    "set_run_tag": (lambda c, r, b: runs.set_run_tag(c, r.id, "k", "v"), ["run.tag.set"]),
    "end_run": (lambda c, r, b: runs.end_run(c, r.id), ["run.end"]),
}


@pytest.mark.parametrize(("op", "expected"), MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutation_records_documented_events(
    ctx: Context,
    blobs: MemoryBlobStore,
    store: FakeUnitOfWorkFactory,
    seeded: Run,
    op: Op,
    expected: list[str],
) -> None:
    before = len(store.state.audit)
    op(ctx, seeded, blobs)
    assert store.audit_actions()[before:] == expected


@pytest.mark.parametrize(("op", "expected"), MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutation_events_carry_the_actor(
    ctx: Context,
    blobs: MemoryBlobStore,
    store: FakeUnitOfWorkFactory,
    seeded: Run,
    op: Op,
    expected: list[str],
) -> None:
    before = len(store.state.audit)
    op(ctx.as_actor("bob"), seeded, blobs)
    assert {e.actor for e in store.state.audit[before:]} == {"bob"}


@pytest.mark.parametrize(("op", "expected"), MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutation_keeps_the_chain_verifiable(
    ctx: Context,
    blobs: MemoryBlobStore,
    store: FakeUnitOfWorkFactory,
    seeded: Run,
    op: Op,
    expected: list[str],
) -> None:
    op(ctx, seeded, blobs)
    assert audit.verify_chain(ctx) == len(store.state.audit)


def _missing_blob(ctx: Context, blobs: MemoryBlobStore) -> object:
    spec = NewVersion(manifest=Manifest.build([ManifestEntry("m.bin", 1, "f" * 64)]))
    return versions.create_version(ctx, "Fraud", spec)


def _nothing(ctx: Context, run: Run) -> None:
    return None


FAILURES: dict[str, tuple[Callable[[Context, Run], object], Op]] = {
    "create_duplicate": (_nothing, lambda c, r, b: models.create_model(c, "FRAUD")),
    "create_version_missing_blob": (_nothing, lambda c, r, b: _missing_blob(c, b)),
    "create_version_unknown_run": (
        _nothing,
        lambda c, r, b: versions.create_version(c, "Churn", new_version(b, run_id="e" * 32)),
    ),
    "rename_to_twin": (
        lambda c, r: models.create_model(c, "Churn"),
        lambda c, r, b: models.rename_model(c, "Churn", "fraud"),
    ),
    "delete_missing_tag": (_nothing, lambda c, r, b: models.delete_model_tag(c, "Fraud", "x")),
    "transition_unknown_stage": (
        _nothing,
        lambda c, r, b: stages.transition_stage(c, "Fraud", 2, "Prod"),
    ),
    "transition_missing_version": (
        _nothing,
        lambda c, r, b: stages.transition_stage(c, "Fraud", 9, "Staging"),
    ),
    "rollback_without_history": (_nothing, lambda c, r, b: stages.rollback(c, "Fraud")),
    "set_reserved_alias": (_nothing, lambda c, r, b: stages.set_alias(c, "Fraud", "latest", 2)),
    "param_overwrite": (
        lambda c, r: runs.log_params(c, r.id, {"p": "1"}),
        lambda c, r, b: runs.log_params(c, r.id, {"p": "2"}),
    ),
    "log_after_end": (
        lambda c, r: runs.end_run(c, r.id),
        lambda c, r, b: runs.set_run_tag(c, r.id, "k", "v"),
    ),
}


@pytest.mark.parametrize(("setup", "op"), FAILURES.values(), ids=FAILURES.keys())
def test_failing_use_case_records_no_event(
    ctx: Context,
    blobs: MemoryBlobStore,
    store: FakeUnitOfWorkFactory,
    seeded: Run,
    setup: Callable[[Context, Run], object],
    op: Op,
) -> None:
    setup(ctx, seeded)
    committed, commits = list(store.state.audit), store.commits
    with pytest.raises(ModelyardError):
        op(ctx, seeded, blobs)
    assert (store.state.audit, store.commits) == (committed, commits)


def test_failing_create_version_leaves_no_model(
    ctx: Context, blobs: MemoryBlobStore, store: FakeUnitOfWorkFactory
) -> None:
    with pytest.raises(ModelyardError):
        versions.create_version(ctx, "Churn", new_version(blobs, run_id="e" * 32))
    assert (store.commits, store.state.models, store.state.audit) == (0, {}, [])


def test_verify_chain_empty_trail_returns_zero(ctx: Context) -> None:
    assert audit.verify_chain(ctx) == 0


@pytest.mark.usefixtures("seeded")
def test_verify_chain_counts_every_event(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    assert audit.verify_chain(ctx) == len(store.state.audit) == 7


TAMPERING: dict[str, Callable[[FakeUnitOfWorkFactory], None]] = {
    "actor": lambda s: s.state.audit.__setitem__(2, replace(s.state.audit[2], actor="mallory")),
    "after": lambda s: s.state.audit.__setitem__(
        3, replace(s.state.audit[3], after={"stage": "Archived", "comment": ""})
    ),
    "time": lambda s: s.state.audit.__setitem__(
        1, replace(s.state.audit[1], at=s.state.audit[1].at + timedelta(hours=1))
    ),
    "model": lambda s: s.state.audit.__setitem__(0, replace(s.state.audit[0], model="Other")),
    "deleted": lambda s: s.state.audit.__delitem__(3),
    "reordered": lambda s: s.state.audit.__setitem__(
        slice(1, 3), [replace(s.state.audit[2], seq=2), replace(s.state.audit[1], seq=3)]
    ),
    "rehashed": lambda s: s.state.audit.__setitem__(
        2, replace(s.state.audit[2], actor="mallory", hash="0" * 64)
    ),
}


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_verify_chain_tampered_event_raises_integrity_error(
    ctx: Context, store: FakeUnitOfWorkFactory, tamper: Callable[[FakeUnitOfWorkFactory], None]
) -> None:
    tamper(store)
    with pytest.raises(IntegrityError):
        audit.verify_chain(ctx)


@pytest.mark.usefixtures("seeded")
def test_audit_trail_filters_by_model(ctx: Context) -> None:
    models.create_model(ctx, "Churn")
    assert [e.action for e in audit.audit_trail(ctx, model="Churn").items] == ["model.create"]


@pytest.mark.usefixtures("seeded")
def test_audit_trail_filters_by_time(ctx: Context, store: FakeUnitOfWorkFactory) -> None:
    since = store.state.audit[5].at
    assert [e.seq for e in audit.audit_trail(ctx, since=since).items] == [6, 7]


@pytest.mark.usefixtures("seeded")
def test_audit_trail_pages_yield_every_event_once(ctx: Context) -> None:
    seqs, token = [], None
    while True:
        page = audit.audit_trail(ctx, max_results=3, page_token=token)
        seqs += [e.seq for e in page.items]
        if (token := page.next_page_token) is None:
            break
    assert seqs == list(range(1, 8))


@pytest.mark.parametrize("size", [0, -1, 10**12, "abc"])
def test_audit_trail_bad_max_results_raises_invalid_argument(ctx: Context, size: object) -> None:
    with pytest.raises(InvalidArgument):
        audit.audit_trail(ctx, max_results=size)  # type: ignore[arg-type]


def test_audit_trail_bad_model_name_raises_invalid_argument(ctx: Context) -> None:
    with pytest.raises(InvalidArgument):
        audit.audit_trail(ctx, model="../x")
