"""Model versions: created once with gap-free numbers, read by any reference, tagged, deleted."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import ModelVersion, NewVersion
from modelyard.domain.stages import Stage
from modelyard.errors import Conflict, IdempotencyKeyReused, InvalidArgument, NotFound
from modelyard.service import models, runs, stages, versions
from modelyard.service.context import Context
from tests.fakes import FakeUnitOfWorkFactory, MemoryBlobStore, new_version, stored_manifest

Register = Callable[..., ModelVersion]
MISSING = "f" * 64


def test_create_version_numbers_are_one_to_n_without_gaps(register: Register) -> None:
    assert [register("Fraud").version for _ in range(5)] == [1, 2, 3, 4, 5]


def test_create_version_numbers_are_per_model(register: Register) -> None:
    register("Fraud")
    register("Fraud")
    assert register("Churn").version == 1


def test_create_version_creates_missing_model(ctx: Context, register: Register) -> None:
    register("Fraud")
    assert models.get_model(ctx, "Fraud").latest_version == 1


def test_create_version_uses_existing_model_spelling(register: Register) -> None:
    register("Fraud")
    assert register("FRAUD").name == "Fraud"


def test_create_version_without_create_model_raises_not_found(
    ctx: Context, blobs: MemoryBlobStore
) -> None:
    with pytest.raises(NotFound):
        versions.create_version(ctx, "Fraud", new_version(blobs), create_model=False)


def test_create_version_stores_manifest_and_lineage(ctx: Context, blobs: MemoryBlobStore) -> None:
    manifest = stored_manifest(blobs)
    spec = NewVersion(manifest=manifest, flavor="sklearn", requirements=("numpy",), source="s")
    v = versions.create_version(ctx, "Fraud", spec)
    assert (v.manifest, v.manifest_digest, v.flavor, v.requirements, v.stage, v.created_by) == (
        manifest,
        manifest.digest,
        "sklearn",
        ("numpy",),
        Stage.NONE,
        "alice",
    )


def test_create_version_after_delete_does_not_reuse_number(
    ctx: Context, register: Register
) -> None:
    register("Fraud")
    register("Fraud")
    register("Fraud")
    versions.delete_version(ctx, "Fraud", 3)
    assert register("Fraud").version == 4


def test_create_version_with_missing_blob_raises_invalid_argument(ctx: Context) -> None:
    spec = NewVersion(manifest=Manifest.build([ManifestEntry("model.bin", 3, MISSING)]))
    with pytest.raises(InvalidArgument):
        versions.create_version(ctx, "Fraud", spec)


def test_create_version_with_missing_blob_changes_nothing(
    ctx: Context, blobs: MemoryBlobStore, store: FakeUnitOfWorkFactory
) -> None:
    stored = stored_manifest(blobs).entries
    spec = NewVersion(manifest=Manifest.build([*stored, ManifestEntry("extra.bin", 3, MISSING)]))
    with pytest.raises(InvalidArgument):
        versions.create_version(ctx, "Fraud", spec)
    assert (store.commits, store.state.models, store.state.audit) == (0, {}, [])


def test_create_version_with_unknown_run_raises_not_found_and_commits_nothing(
    ctx: Context, blobs: MemoryBlobStore, store: FakeUnitOfWorkFactory
) -> None:
    with pytest.raises(NotFound):
        versions.create_version(ctx, "Fraud", new_version(blobs, run_id="0" * 32))
    assert (store.commits, store.state.models, store.state.audit) == (0, {}, [])


def test_create_version_links_existing_run(ctx: Context, blobs: MemoryBlobStore) -> None:
    run = runs.start_run(ctx, runs.RunSpec())
    v = versions.create_version(ctx, "Fraud", new_version(blobs, run_id=run.id))
    assert v.run_id == run.id


def test_create_version_manifest_with_traversal_path_raises_invalid_argument(
    ctx: Context, blobs: MemoryBlobStore
) -> None:
    entry = stored_manifest(blobs, {"model.bin": b"w"}).entries[0]
    unchecked = Manifest((ManifestEntry("../../etc/cron.d/x", entry.size, entry.sha256),))
    with pytest.raises(InvalidArgument):
        versions.create_version(ctx, "Fraud", NewVersion(manifest=unchecked))


@pytest.mark.parametrize("field", ["description", "source"])
def test_create_version_control_characters_raise_invalid_argument(
    ctx: Context, blobs: MemoryBlobStore, field: str
) -> None:
    with pytest.raises(InvalidArgument):
        versions.create_version(ctx, "Fraud", new_version(blobs, b"w", **{field: "x\x1b[31m"}))


@pytest.mark.parametrize(
    "fields",
    [
        {"flavor": "sklearn\x1b[2J"},
        {"python_version": "3.11\nINFO fake"},
        {"requirements": ("numpy\x1b[31m",)},
    ],
    ids=["flavor", "python_version", "requirements"],
)
def test_create_version_control_characters_in_metadata_raise_invalid_argument(
    ctx: Context, blobs: MemoryBlobStore, fields: dict[str, object]
) -> None:
    with pytest.raises(InvalidArgument):
        versions.create_version(ctx, "Fraud", new_version(blobs, b"w", **fields))


def test_create_version_replayed_key_returns_same_version(
    ctx: Context, blobs: MemoryBlobStore
) -> None:
    spec = new_version(blobs)
    first = versions.create_version(ctx, "Fraud", spec, idempotency_key="k1")
    again = versions.create_version(ctx, "Fraud", spec, idempotency_key="k1")
    assert (again.version, again.manifest_digest) == (first.version, first.manifest_digest)


def test_create_version_replayed_key_creates_no_second_version(
    ctx: Context, blobs: MemoryBlobStore, store: FakeUnitOfWorkFactory
) -> None:
    spec = new_version(blobs)
    versions.create_version(ctx, "Fraud", spec, idempotency_key="k1")
    versions.create_version(ctx, "Fraud", spec, idempotency_key="k1")
    assert store.audit_actions() == ["model.create", "version.create"]
    assert models.get_model(ctx, "Fraud").latest_version == 1


def test_create_version_reused_key_with_other_request_raises_conflict(
    ctx: Context, blobs: MemoryBlobStore
) -> None:
    versions.create_version(ctx, "Fraud", new_version(blobs, b"one"), idempotency_key="k1")
    with pytest.raises(Conflict):
        versions.create_version(ctx, "Fraud", new_version(blobs, b"two"), idempotency_key="k1")


@pytest.mark.parametrize(
    "change",
    [
        {"flavor_metadata": {"format": "onnx"}},
        {"signature": {"inputs": [{"name": "x"}]}},
        {"requirements": ("numpy==2.0",)},
        {"python_version": "3.12.1"},
        {"source": "runs:/0123456789abcdef0123456789abcdef/model"},
    ],
    ids=["flavor_metadata", "signature", "requirements", "python_version", "source"],
)
def test_create_version_reused_key_with_other_field_raises_key_reused(
    ctx: Context, blobs: MemoryBlobStore, change: dict[str, object]
) -> None:
    versions.create_version(ctx, "Fraud", new_version(blobs), idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        versions.create_version(ctx, "Fraud", new_version(blobs, **change), idempotency_key="k1")


def test_create_version_replayed_after_delete_raises_conflict_naming_version(
    ctx: Context, blobs: MemoryBlobStore
) -> None:
    versions.create_version(ctx, "Fraud", new_version(blobs), idempotency_key="k1")
    versions.delete_version(ctx, "Fraud", 1)
    with pytest.raises(Conflict, match="created version 1 of 'Fraud', which has since been"):
        versions.create_version(ctx, "Fraud", new_version(blobs), idempotency_key="k1")


def test_create_version_same_key_on_other_model_creates_version(
    ctx: Context, blobs: MemoryBlobStore
) -> None:
    versions.create_version(ctx, "Fraud", new_version(blobs), idempotency_key="k1")
    v = versions.create_version(ctx, "Churn", new_version(blobs), idempotency_key="k1")
    assert (v.name, v.version) == ("Churn", 1)


@pytest.mark.parametrize("key", ["", "k" * (versions.MAX_IDEMPOTENCY_KEY + 1)])
def test_create_version_bad_idempotency_key_raises_invalid_argument(
    ctx: Context, blobs: MemoryBlobStore, key: str
) -> None:
    with pytest.raises(InvalidArgument):
        versions.create_version(ctx, "Fraud", new_version(blobs), idempotency_key=key)


def test_get_version_by_number_returns_it(ctx: Context, register: Register) -> None:
    register("Fraud")
    register("Fraud")
    assert versions.get_version(ctx, "Fraud", "1").version == 1


def test_get_version_by_alias_returns_target(ctx: Context, register: Register) -> None:
    register("Fraud")
    register("Fraud")
    stages.set_alias(ctx, "Fraud", "champion", 1)
    assert versions.get_version(ctx, "Fraud", "@champion").version == 1


@pytest.mark.parametrize("ref", ["Production", "production"])
def test_get_version_by_stage_returns_newest_in_stage(
    ctx: Context, register: Register, ref: str
) -> None:
    for _ in range(3):
        register("Fraud")
    stages.transition_stage(ctx, "Fraud", 2, "Production")
    assert versions.get_version(ctx, "Fraud", ref).version == 2


def test_get_version_latest_returns_newest(ctx: Context, register: Register) -> None:
    for _ in range(3):
        register("Fraud")
    assert versions.get_version(ctx, "Fraud", "latest").version == 3


def test_get_version_latest_skips_deleted(ctx: Context, register: Register) -> None:
    for _ in range(3):
        register("Fraud")
    versions.delete_version(ctx, "Fraud", 3)
    assert versions.get_version(ctx, "Fraud", "latest").version == 2


@pytest.mark.parametrize("ref", [9, "@nobody", "Staging", "latest"])
def test_get_version_missing_target_raises_not_found(ctx: Context, ref: object) -> None:
    models.create_model(ctx, "Fraud")
    with pytest.raises(NotFound):
        versions.get_version(ctx, "Fraud", ref)


@pytest.mark.parametrize("ref", ["0", "-1", "01", "1.0", "99999999999999999999", "@1", "", None])
def test_get_version_malformed_ref_raises_invalid_argument(
    ctx: Context, register: Register, ref: object
) -> None:
    register("Fraud")
    with pytest.raises(InvalidArgument):
        versions.get_version(ctx, "Fraud", ref)


def test_get_version_unknown_model_raises_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        versions.get_version(ctx, "Nope", 1)


def test_delete_version_hides_it(ctx: Context, register: Register) -> None:
    register("Fraud")
    versions.delete_version(ctx, "Fraud", 1)
    with pytest.raises(NotFound):
        versions.get_version(ctx, "Fraud", 1)


def test_delete_version_hides_it_from_search(ctx: Context, register: Register) -> None:
    register("Fraud")
    register("Fraud")
    versions.delete_version(ctx, "Fraud", 1)
    assert [v.version for v in versions.list_versions(ctx, "Fraud").items] == [2]


def test_delete_version_removes_its_aliases(ctx: Context, register: Register) -> None:
    register("Fraud")
    register("Fraud")
    stages.set_alias(ctx, "Fraud", "champion", 1)
    stages.set_alias(ctx, "Fraud", "other", 2)
    versions.delete_version(ctx, "Fraud", "@champion")
    assert models.get_model(ctx, "Fraud").aliases == {"other": 2}


def test_delete_version_updates_latest_version(ctx: Context, register: Register) -> None:
    register("Fraud")
    register("Fraud")
    versions.delete_version(ctx, "Fraud", 2)
    assert models.get_model(ctx, "Fraud").latest_version == 1


def test_delete_version_twice_raises_not_found(ctx: Context, register: Register) -> None:
    register("Fraud")
    versions.delete_version(ctx, "Fraud", 1)
    with pytest.raises(NotFound):
        versions.delete_version(ctx, "Fraud", 1)


def test_update_version_changes_description(ctx: Context, register: Register) -> None:
    register("Fraud")
    assert versions.update_version(ctx, "Fraud", 1, "better").description == "better"


def test_update_version_audits_before_and_after(
    ctx: Context, register: Register, store: FakeUnitOfWorkFactory
) -> None:
    register("Fraud", description="first")
    versions.update_version(ctx, "Fraud", 1, "second")
    event = store.state.audit[-1]
    assert (event.action, event.version, event.before, event.after) == (
        "version.update",
        1,
        {"description": "first"},
        {"description": "second"},
    )


def test_set_version_tag_stores_tag(ctx: Context, register: Register) -> None:
    register("Fraud")
    versions.set_version_tag(ctx, "Fraud", 1, "owner", "alice")
    assert versions.get_version(ctx, "Fraud", 1).tags == {"owner": "alice"}


def test_set_version_tag_audits_before_and_after(
    ctx: Context, register: Register, store: FakeUnitOfWorkFactory
) -> None:
    register("Fraud", tags={"owner": "alice"})
    versions.set_version_tag(ctx, "Fraud", 1, "owner", "bob")
    event = store.state.audit[-1]
    assert (event.action, event.before, event.after) == (
        "version.tag.set",
        {"owner": "alice"},
        {"owner": "bob"},
    )


def test_set_version_tag_beyond_limit_raises_invalid_argument(
    ctx: Context, register: Register
) -> None:
    register("Fraud", tags={f"k{i}": "v" for i in range(models.MAX_TAGS)})
    with pytest.raises(InvalidArgument):
        versions.set_version_tag(ctx, "Fraud", 1, "one-more", "v")


def test_set_version_tag_one_megabyte_value_raises_invalid_argument(
    ctx: Context, register: Register
) -> None:
    register("Fraud")
    with pytest.raises(InvalidArgument):
        versions.set_version_tag(ctx, "Fraud", 1, "notes", "x" * 1024 * 1024)


def test_delete_version_tag_removes_and_audits(
    ctx: Context, register: Register, store: FakeUnitOfWorkFactory
) -> None:
    register("Fraud", tags={"owner": "alice"})
    versions.delete_version_tag(ctx, "Fraud", 1, "owner")
    event = store.state.audit[-1]
    assert versions.get_version(ctx, "Fraud", 1).tags == {}
    assert (event.action, event.before) == ("version.tag.delete", {"owner": "alice"})


def test_delete_version_tag_missing_raises_not_found(ctx: Context, register: Register) -> None:
    register("Fraud")
    with pytest.raises(NotFound):
        versions.delete_version_tag(ctx, "Fraud", 1, "owner")
