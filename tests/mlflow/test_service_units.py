"""The MLflow-side use cases (service.tracking, service.artifacts) against the fakes."""

from __future__ import annotations

import io

import pytest

from modelyard.domain.digests import sha256_hex
from modelyard.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from modelyard.service import artifacts, models, runs, sources, tracking
from tests.fakes import FakeUnitOfWorkFactory, MemoryBlobStore, make_context


def _actions(ctx: object) -> list[str]:
    factory = ctx.uow  # type: ignore[attr-defined]
    assert isinstance(factory, FakeUnitOfWorkFactory)
    return factory.audit_actions()


def test_create_experiment_is_audited_and_found_by_name() -> None:
    ctx = make_context()
    exp = tracking.create_experiment(ctx, "fraud")
    assert tracking.find_experiment(ctx, "fraud") == exp
    assert tracking.get_experiment(ctx, exp.id) == exp
    assert _actions(ctx) == ["experiment.create"]


def test_duplicate_or_default_experiment_is_refused() -> None:
    ctx = make_context()
    tracking.create_experiment(ctx, "fraud")
    with pytest.raises(AlreadyExists):
        tracking.create_experiment(ctx, "fraud")
    with pytest.raises(AlreadyExists):
        tracking.create_experiment(ctx, "Default")


def test_default_experiment_exists_without_being_stored() -> None:
    ctx = make_context()
    assert tracking.get_experiment(ctx, "0").name == "Default"
    assert [e.name for e in tracking.search_experiments(ctx).items] == ["Default"]
    assert _actions(ctx) == []


def test_delete_run_tag_removes_it_and_refuses_missing() -> None:
    ctx = make_context()
    run = runs.start_run(ctx, runs.RunSpec(tags={"a": "1"}))
    tracking.delete_run_tag(ctx, run.id, "a")
    assert runs.get_run(ctx, run.id).tags == {}
    with pytest.raises(NotFound):
        tracking.delete_run_tag(ctx, run.id, "a")


def test_delete_tag_of_ended_run_is_refused() -> None:
    ctx = make_context()
    run = runs.start_run(ctx, runs.RunSpec(tags={"a": "1"}))
    runs.end_run(ctx, run.id)
    with pytest.raises(Conflict):
        tracking.delete_run_tag(ctx, run.id, "a")


def test_put_artifact_records_digest_and_audits() -> None:
    ctx = make_context()
    rec = artifacts.put_artifact(ctx, "0/r/artifacts/m/MLmodel", io.BytesIO(b"flavors: {}"))
    assert rec.size == 11 and sha256_hex(rec.sha256) == rec.sha256
    assert artifacts.get_artifact(ctx, rec.path) == rec
    assert _actions(ctx) == ["artifact.put"]


@pytest.mark.parametrize(
    "path",
    ["../x", "a/../../b", "/etc/passwd", "C:/x", "a\\b", "a#b", "a%2fb", "modelyard-models/X/1"],
)
def test_bad_artifact_path_writes_nothing(path: str) -> None:
    ctx = make_context()
    with pytest.raises(InvalidArgument):
        artifacts.put_artifact(ctx, path, io.BytesIO(b"evil"))
    assert isinstance(ctx.blobs, MemoryBlobStore)
    assert list(ctx.blobs.digests()) == []
    assert _actions(ctx) == []


def test_manifest_under_is_relative_to_the_prefix() -> None:
    ctx = make_context()
    for path in ("0/r/artifacts/m/MLmodel", "0/r/artifacts/m/sub/w.bin", "0/r/artifacts/other"):
        artifacts.put_artifact(ctx, path, io.BytesIO(path.encode()))
    with ctx.uow(write=False) as uow:
        manifest = sources.manifest_under(uow.repo, "0/r/artifacts/m")
        with pytest.raises(InvalidArgument):
            sources.manifest_under(uow.repo, "0/r/artifacts/none")
    assert [e.path for e in manifest.entries] == ["MLmodel", "sub/w.bin"]
    listing = artifacts.list_artifacts(ctx, "0/r/artifacts")
    assert [(x.name, x.is_dir) for x in listing] == [("m", True), ("other", False)]


def test_logged_model_lifecycle() -> None:
    ctx = make_context()
    run = runs.start_run(ctx, runs.RunSpec())
    m = artifacts.create_logged_model(ctx, "0", "clf", run=run.id, params={"k": "v"})
    assert m.status == "PENDING" and m.artifact_root == f"0/models/{m.id}/artifacts"
    done = artifacts.update_logged_model(ctx, m.id, status="READY", tags={"t": "1"})
    assert (done.status, done.tags, done.params) == ("READY", {"t": "1"}, {"k": "v"})
    assert [x.id for x in artifacts.search_logged_models(ctx, ["0"], "clf").items] == [m.id]
    assert _actions(ctx)[-2:] == ["logged_model.create", "logged_model.update"]


def test_version_from_logged_model_without_files_is_not_found() -> None:
    ctx = make_context()
    m = artifacts.create_logged_model(ctx, "0", "clf")
    models.create_model(ctx, "clf")
    with pytest.raises(NotFound):
        sources.create_version_from_source(ctx, "clf", sources.SourceRequest(f"models:/{m.id}"))


def test_bad_logged_model_id_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        artifacts.get_logged_model(make_context(), "../m-1")
