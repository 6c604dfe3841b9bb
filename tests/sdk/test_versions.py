"""Model versions over both transports: numbering, lookup, search, paging, idempotency."""

from __future__ import annotations

import hashlib
import io

import pytest

import modelyard
from modelyard.client.client import Client
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import NewVersion
from tests.sdk.support import ACTOR, make_version, make_versions, manifest_of, spec_of


def test_create_version_numbers_from_one_without_gaps(client: Client) -> None:
    numbers = [v.version for v in make_versions(client, "Fraud", 5)]

    assert numbers == [1, 2, 3, 4, 5]


def test_create_version_creates_the_model(client: Client) -> None:
    make_version(client, "Fraud")

    model = client.get_model("Fraud")
    assert model.latest_version == 1
    assert model.created_by == ACTOR


def test_create_version_numbers_each_model_separately(client: Client) -> None:
    make_versions(client, "Fraud", 3)

    assert make_version(client, "Churn").version == 1


def test_create_version_records_manifest_and_metadata(client: Client) -> None:
    manifest = manifest_of(client, {"model.bin": b"w", "conf/params.json": b"{}"})
    spec = NewVersion(
        manifest=manifest,
        flavor="sklearn",
        description="first",
        tags={"owner": "alice"},
        requirements=("numpy==2.0",),
        python_version="3.11.9",
        source="notebook",
    )

    created = client.create_version("Fraud", spec)
    got = client.get_version("Fraud", created.version)

    assert got.manifest == manifest
    assert got.manifest_digest == manifest.digest
    assert (got.flavor, got.description, got.tags) == ("sklearn", "first", {"owner": "alice"})
    assert (got.requirements, got.python_version, got.source) == (
        ("numpy==2.0",),
        "3.11.9",
        "notebook",
    )
    assert (got.stage.value, got.created_by) == ("None", ACTOR)


def test_delete_version_does_not_reuse_its_number(client: Client) -> None:
    make_versions(client, "Fraud", 3)

    client.delete_version("Fraud", 3)

    assert make_version(client, "Fraud", b"next").version == 4
    assert [v.version for v in client.list_versions("Fraud")] == [4, 2, 1]


def test_delete_version_makes_it_not_found(client: Client) -> None:
    make_versions(client, "Fraud", 2)

    client.delete_version("Fraud", 1)

    with pytest.raises(modelyard.NotFound):
        client.get_version("Fraud", 1)


def test_delete_latest_version_moves_latest_back(client: Client) -> None:
    make_versions(client, "Fraud", 2)

    client.delete_version("Fraud", 2)

    assert client.get_version("Fraud", "latest").version == 1
    assert client.get_model("Fraud").latest_version == 1


def test_get_version_by_number_returns_that_version(client: Client) -> None:
    created = make_versions(client, "Fraud", 3)

    got = client.get_version("Fraud", 2)

    assert (got.version, got.manifest_digest) == (2, created[1].manifest_digest)


def test_get_version_by_numeric_string_returns_that_version(client: Client) -> None:
    make_versions(client, "Fraud", 2)

    assert client.get_version("Fraud", "2").version == 2


def test_get_version_latest_returns_highest_number(client: Client) -> None:
    make_versions(client, "Fraud", 3)

    assert client.get_version("Fraud", "latest").version == 3


def test_get_version_by_stage_returns_newest_in_stage(client: Client) -> None:
    make_versions(client, "Fraud", 3)
    client.transition("Fraud", 1, "Staging")
    client.transition("Fraud", 2, "Staging", archive_existing=False)

    assert client.get_version("Fraud", "Staging").version == 2
    assert client.get_version("Fraud", "staging").version == 2


def test_get_version_by_stage_without_one_raises_not_found(client: Client) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.NotFound):
        client.get_version("Fraud", "Production")


def test_get_version_by_alias_returns_pointed_version(client: Client) -> None:
    make_versions(client, "Fraud", 3)
    client.set_alias("Fraud", "champion", 2)

    assert client.get_version("Fraud", "@champion").version == 2


def test_get_version_by_uri_resolves_each_form(client: Client) -> None:
    make_versions(client, "Fraud", 3)
    client.transition("Fraud", 1, "Production")
    client.set_alias("Fraud", "champion", 2)

    got = [
        client.get_version_by_uri(uri).version
        for uri in (
            "models:/Fraud/1",
            "models:/Fraud@champion",
            "models:/Fraud/Production",
            "models:/Fraud/latest",
        )
    ]

    assert got == [1, 2, 1, 3]


def test_update_version_sets_description_only(client: Client) -> None:
    created = make_version(client, "Fraud")

    updated = client.update_version("Fraud", 1, "better words")

    assert updated.description == "better words"
    assert updated.manifest_digest == created.manifest_digest


def test_search_versions_by_tag_matches_tagged_versions(client: Client) -> None:
    make_version(client, "Fraud", b"a", tags={"owner": "alice"})
    make_version(client, "Fraud", b"b", tags={"owner": "bob"})
    make_version(client, "Churn", b"c", tags={"owner": "alice"})
    make_version(client, "Churn", b"d")

    page = client.search_versions("tags.owner = 'alice'")

    assert [(v.name, v.version) for v in page.items] == [("Churn", 1), ("Fraud", 1)]


def test_search_versions_by_name_and_tag_matches_both(client: Client) -> None:
    make_version(client, "Fraud", b"a", tags={"owner": "alice"})
    make_version(client, "Churn", b"b", tags={"owner": "alice"})

    page = client.search_versions("name = 'Fraud' AND tags.owner = 'alice'")

    assert [(v.name, v.version) for v in page.items] == [("Fraud", 1)]


def test_search_versions_by_stage_matches_stage(client: Client) -> None:
    make_versions(client, "Fraud", 3)
    client.transition("Fraud", 2, "Production")

    page = client.search_versions("stage = 'Production'")

    assert [v.version for v in page.items] == [2]


def test_search_versions_paging_returns_each_version_exactly_once(client: Client) -> None:
    make_versions(client, "Fraud", 25)
    seen: list[int] = []
    sizes: list[int] = []
    token: str | None = None

    for _ in range(10):
        page = client.search_versions("name = 'Fraud'", max_results=10, page_token=token)
        sizes.append(len(page.items))
        seen.extend(v.version for v in page.items)
        token = page.next_page_token
        if token is None:
            break

    assert sizes == [10, 10, 5]
    assert sorted(seen) == list(range(1, 26))
    assert len(seen) == len(set(seen))


def test_list_versions_returns_newest_first(client: Client) -> None:
    make_versions(client, "Fraud", 3)

    assert [v.version for v in client.list_versions("Fraud")] == [3, 2, 1]


def test_create_version_same_idempotency_key_returns_same_version(client: Client) -> None:
    spec = spec_of(client)

    first = client.create_version("Fraud", spec, idempotency_key="k1")
    second = client.create_version("Fraud", spec, idempotency_key="k1")

    assert first.version == second.version == 1
    assert [v.version for v in client.list_versions("Fraud")] == [1]


def test_create_version_reused_key_with_other_spec_raises_conflict(client: Client) -> None:
    client.create_version("Fraud", spec_of(client, b"one"), idempotency_key="k1")

    with pytest.raises(modelyard.Conflict) as err:
        client.create_version("Fraud", spec_of(client, b"two"), idempotency_key="k1")

    assert err.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert [v.version for v in client.list_versions("Fraud")] == [1]


def test_create_version_distinct_keys_create_distinct_versions(client: Client) -> None:
    spec = spec_of(client)

    first = client.create_version("Fraud", spec, idempotency_key="k1")
    second = client.create_version("Fraud", spec, idempotency_key="k2")

    assert (first.version, second.version) == (1, 2)


def test_create_version_with_unuploaded_blob_raises_invalid_argument(client: Client) -> None:
    data = b"never uploaded"
    entry = ManifestEntry("model.bin", len(data), hashlib.sha256(data).hexdigest())
    spec = NewVersion(manifest=Manifest.build([entry]))

    with pytest.raises(modelyard.InvalidArgument) as err:
        client.create_version("Fraud", spec)

    assert err.value.code == "INVALID_ARGUMENT"
    with pytest.raises(modelyard.NotFound):
        client.get_model("Fraud")
    assert client.search_all_versions() == []


def test_create_version_with_unuploaded_blob_leaves_existing_model_unchanged(
    client: Client,
) -> None:
    make_version(client, "Fraud")
    data = b"never uploaded"
    entry = ManifestEntry("model.bin", len(data), hashlib.sha256(data).hexdigest())

    with pytest.raises(modelyard.InvalidArgument):
        client.create_version("Fraud", NewVersion(manifest=Manifest.build([entry])))

    assert [v.version for v in client.list_versions("Fraud")] == [1]
    assert make_version(client, "Fraud", b"next").version == 2


def test_create_version_identical_files_store_one_blob(client: Client) -> None:
    spec = NewVersion(manifest=manifest_of(client, {"a.bin": b"same", "b.bin": b"same"}))

    created = client.create_version("Fraud", spec)

    assert len(created.manifest.blob_digests()) == 1
    assert client.transport.missing_blobs(created.manifest.blob_digests()) == set()


def test_create_version_size_unlike_stored_blob_raises_invalid_argument(client: Client) -> None:
    data = b"weights"
    digest = hashlib.sha256(data).hexdigest()
    client.transport.upload_blob(digest, io.BytesIO(data), len(data))
    spec = NewVersion(manifest=Manifest.build([ManifestEntry("model.bin", 999, digest)]))

    with pytest.raises(modelyard.InvalidArgument):
        client.create_version("Fraud", spec)

    assert client.search_all_versions() == []


def test_search_versions_order_by_version_asc_pages_oldest_first(client: Client) -> None:
    make_versions(client, "Fraud", 5)
    seen: list[int] = []
    token: str | None = None
    while True:
        page = client.search_versions("name = 'Fraud'", 2, token, order_by=["version ASC"])
        seen.extend(v.version for v in page.items)
        if (token := page.next_page_token) is None:
            break
    assert seen == [1, 2, 3, 4, 5]


def test_search_versions_unknown_order_raises_invalid_argument(client: Client) -> None:
    with pytest.raises(modelyard.InvalidArgument):
        client.search_versions(order_by=["run_id DESC"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("flavor_metadata", {"threshold": float("nan")}),
        ("signature", {"inputs": [], "outputs": [{"shape": [float("inf")]}]}),
    ],
)
def test_create_version_with_non_finite_json_raises_invalid_argument(
    client: Client, field: str, value: dict[str, object]
) -> None:
    client.create_model("Fraud")

    with pytest.raises(modelyard.InvalidArgument):
        make_version(client, "Fraud", **{field: value})

    assert client.get_model("Fraud").latest_version == 0
