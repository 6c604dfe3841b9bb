"""Downloading and loading versions over both transports: verified, cached, round-tripped."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

import modelyard
from modelyard.client.artifacts import build_manifest, push
from modelyard.client.client import Client
from modelyard.client.transport import Transport
from modelyard.domain.digests import Manifest
from modelyard.domain.entities import NewVersion
from modelyard.domain.streams import ReadStream
from modelyard.flavors import DESCRIPTOR, save_model
from modelyard.flavors import load_model as load_flavor
from tests.sdk.support import CountingTransport, counting_client, make_version, manifest_of

FILES = {"model.bin": b"weights" * 1000, "conf/params.json": b'{"depth": 3}', "README": b""}


def blob_path(client: Client, digest: str) -> Path:
    return client.settings.artifacts_root() / "blobs" / "sha256" / digest[:2] / digest


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def trained() -> tuple[RandomForestClassifier, np.ndarray]:
    X, y = make_classification(
        n_samples=120, n_features=5, n_informative=3, n_redundant=0, random_state=7
    )
    return RandomForestClassifier(n_estimators=8, random_state=7).fit(X, y), X


def test_download_writes_every_file_byte_for_byte(client: Client) -> None:
    client.create_version("Fraud", NewVersion(manifest=manifest_of(client, FILES)))

    root = client.download("models:/Fraud/1")

    assert files_under(root) == FILES


def test_download_caches_by_manifest_digest(client: Client) -> None:
    mv = client.create_version("Fraud", NewVersion(manifest=manifest_of(client, FILES)))

    root = client.download("models:/Fraud/latest")

    assert root == client.settings.cache_root() / "versions" / mv.manifest_digest


def test_download_to_explicit_dest_writes_there(client: Client, tmp_path: Path) -> None:
    client.create_version("Fraud", NewVersion(manifest=manifest_of(client, FILES)))
    dest = tmp_path / "out"

    assert client.download("models:/Fraud/1", dest) == dest
    assert files_under(dest) == FILES


def test_download_twice_fetches_nothing_the_second_time(client: Client) -> None:
    client.create_version("Fraud", NewVersion(manifest=manifest_of(client, FILES)))
    counted, transport = counting_client(client)
    root = counted.download("models:/Fraud/1")
    mtimes = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    first = len(transport.opened)

    counted.download("models:/Fraud/1")

    assert first == len(FILES)
    assert len(transport.opened) == first
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()} == mtimes


def test_download_replaces_a_tampered_cached_file(client: Client) -> None:
    client.create_version("Fraud", NewVersion(manifest=manifest_of(client, FILES)))
    root = client.download("models:/Fraud/1")
    (root / "model.bin").write_bytes(b"tampered")
    counted, transport = counting_client(client)

    counted.download("models:/Fraud/1")

    assert files_under(root) == FILES
    assert len(transport.opened) == 1


def test_download_of_corrupt_blob_raises_integrity_error(client: Client, tmp_path: Path) -> None:
    mv = make_version(client, "Fraud", b"good bytes")
    path = blob_path(client, mv.manifest.entries[0].sha256)
    path.write_bytes(b"evil bytes")  # same size, different content
    parent = tmp_path / "downloads"
    parent.mkdir()

    with pytest.raises(modelyard.IntegrityError) as err:
        client.download("models:/Fraud/1", parent / "out")

    assert err.value.code == "DIGEST_MISMATCH"
    assert list(parent.iterdir()) == []


def test_load_model_of_corrupt_blob_raises_integrity_error(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, _ = trained
    with modelyard.start_run(client=client) as run:
        mv = run.log_model(model, "rf", registered_model_name="Fraud")
    entry = next(e for e in mv.manifest.entries if e.path.endswith(".skops"))
    corrupt = bytearray(blob_path(client, entry.sha256).read_bytes())
    corrupt[-1] ^= 0xFF
    blob_path(client, entry.sha256).write_bytes(bytes(corrupt))

    with pytest.raises(modelyard.IntegrityError):
        client.load_model("models:/Fraud/1")


def test_log_model_sklearn_round_trip_predicts_the_same(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, X = trained
    with modelyard.start_run(params={"n_estimators": 8}, client=client) as run:
        mv = run.log_model(model, "rf", registered_model_name="Fraud", input_example=X[:3])

    loaded = client.load_model(f"models:/Fraud/{mv.version}")

    assert mv.flavor == "sklearn"
    assert mv.run_id == run.id
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_load_model_by_alias_and_stage_predicts_the_same(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, X = trained
    with modelyard.start_run(client=client) as run:
        run.log_model(model, "rf", registered_model_name="Fraud")
    client.set_alias("Fraud", "champion", 1)
    client.transition("Fraud", 1, "Production")

    by_alias = modelyard.load_model("models:/Fraud@champion", client=client)
    by_stage = modelyard.load_model("models:/Fraud/Production", client=client)

    assert np.array_equal(by_alias.predict(X), model.predict(X))
    assert np.array_equal(by_stage.predict(X), model.predict(X))


def test_load_model_twice_downloads_once(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, X = trained
    with modelyard.start_run(client=client) as run:
        mv = run.log_model(model, "rf", registered_model_name="Fraud")
    counted, transport = counting_client(client)

    first = counted.load_model("models:/Fraud/1")
    opened = len(transport.opened)
    second = counted.load_model("models:/Fraud/1")

    assert opened == len(mv.manifest.entries)
    assert len(transport.opened) == opened
    assert np.array_equal(first.predict(X), second.predict(X))


def test_load_model_pickle_without_permission_raises_unsafe_artifact(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, _ = trained
    with modelyard.start_run(client=client) as run:
        run.log_model(model, "rf", registered_model_name="Fraud", serialization="cloudpickle")

    with pytest.raises(modelyard.UnsafeArtifact) as err:
        client.load_model("models:/Fraud/1")

    assert err.value.code == "UNSAFE_ARTIFACT"


def test_load_model_pickle_with_permission_predicts_the_same(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, X = trained
    with modelyard.start_run(client=client) as run:
        run.log_model(model, "rf", registered_model_name="Fraud", serialization="cloudpickle")

    loaded = client.load_model("models:/Fraud/1", allow_pickle=True)

    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_log_model_same_model_twice_shares_blobs(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, _ = trained
    with modelyard.start_run(client=client) as run:
        first = run.log_model(model, "rf", registered_model_name="Fraud")
        second = run.log_model(model, "rf", registered_model_name="Fraud")

    assert (first.version, second.version) == (1, 2)
    assert first.manifest.blob_digests() & second.manifest.blob_digests()


def test_load_model_pickle_allowed_by_its_digest_predicts_the_same(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, X = trained
    with modelyard.start_run(client=client) as run:
        mv = run.log_model(model, "rf", registered_model_name="Fraud", serialization="cloudpickle")
    client.set_alias("Fraud", "champion", mv.version)

    loaded = client.load_model(
        "models:/Fraud@champion", allow_pickle=f"sha256:{mv.manifest_digest}"
    )

    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_load_model_pickle_allowed_for_another_digest_reads_nothing(
    client: Client, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, _ = trained
    with modelyard.start_run(client=client) as run:
        reviewed = run.log_model(
            model, "rf", registered_model_name="Fraud", serialization="cloudpickle"
        )
    moved = make_version(client, "Fraud", b"whatever the alias points at now")
    client.set_alias("Fraud", "champion", moved.version)
    counted, transport = counting_client(client)

    with pytest.raises(modelyard.UnsafeArtifact):
        counted.load_model(
            "models:/Fraud@champion", allow_pickle=f"sha256:{reviewed.manifest_digest}"
        )

    assert transport.opened == []


def test_load_model_allow_pickle_not_a_digest_raises_invalid_argument(client: Client) -> None:
    make_version(client, "Fraud")

    with pytest.raises(modelyard.InvalidArgument):
        client.load_model("models:/Fraud/1", allow_pickle="yes")


@pytest.fixture(scope="module")
def saved_dir(
    tmp_path_factory: pytest.TempPathFactory, trained: tuple[RandomForestClassifier, np.ndarray]
) -> Path:
    root = tmp_path_factory.mktemp("saved")
    save_model(trained[0], root)
    return root


def without(manifest: Manifest, path: str) -> Manifest:
    return Manifest.build(e for e in manifest.entries if e.path != path)


@pytest.mark.parametrize("left_out", [DESCRIPTOR, "model.skops"])
def test_flavor_load_with_file_not_in_manifest_raises_integrity_error(
    saved_dir: Path, left_out: str
) -> None:
    manifest = without(build_manifest(saved_dir), left_out)

    with pytest.raises(modelyard.IntegrityError) as err:
        load_flavor(saved_dir, manifest=manifest)

    assert left_out in err.value.message


def test_flavor_load_with_full_manifest_predicts(
    saved_dir: Path, trained: tuple[RandomForestClassifier, np.ndarray]
) -> None:
    model, X = trained

    loaded = load_flavor(saved_dir, manifest=build_manifest(saved_dir))

    assert np.array_equal(loaded.predict(X), model.predict(X))


class RacingTransport(CountingTransport):
    """Another download of the same version completes while this one is in flight."""

    def __init__(self, inner: Transport, rival: Client, uri: str) -> None:
        super().__init__(inner)
        self.rival, self.uri = rival, uri
        self.rival_inode = 0

    def open_blob(self, digest: str) -> ReadStream:
        if not self.opened:
            self.rival_inode = os.stat(self.rival.download(self.uri)).st_ino
        return super().open_blob(digest)


def test_download_beaten_by_a_concurrent_download_keeps_its_entry(client: Client) -> None:
    client.create_version("Fraud", NewVersion(manifest=manifest_of(client, FILES)))
    racing = RacingTransport(client.transport, client, "models:/Fraud/1")
    slow = Client(transport=racing, settings=client.settings)  # type: ignore[arg-type]

    root = slow.download("models:/Fraud/1")

    assert files_under(root) == FILES
    assert os.stat(root).st_ino == racing.rival_inode  # not swapped under the rival's feet
    assert [p.name for p in root.parent.iterdir()] == [root.name]


def _unlisted_version(client: Client, tmp_path: Path) -> tuple[str, np.ndarray, np.ndarray]:
    """A version whose skops file holds a scikit-learn type off the allowlist (KMeans)."""
    import skops.io
    from sklearn.cluster import KMeans

    from tests.unit.flavors.support import write_skops_dir

    X = np.random.default_rng(0).normal(size=(40, 3))
    model = KMeans(n_clusters=2, n_init=1, random_state=0).fit(X)
    root = tmp_path / "kmeans"
    root.mkdir()
    write_skops_dir(root, skops.io.dumps(model))
    manifest = build_manifest(root)
    push(client.transport, root, manifest)
    mv = client.create_version("Clusters", NewVersion(manifest=manifest, flavor="sklearn"))
    return f"models:/Clusters/{mv.version}", X, model.predict(X)


def test_load_model_unlisted_type_raises_unsafe_artifact(client: Client, tmp_path: Path) -> None:
    uri, _, _ = _unlisted_version(client, tmp_path)

    with pytest.raises(modelyard.UnsafeArtifact, match="KMeans"):
        client.load_model(uri)


def test_load_model_with_trusted_types_loads_unlisted_type(client: Client, tmp_path: Path) -> None:
    uri, X, expected = _unlisted_version(client, tmp_path)

    loaded = client.load_model(uri, trusted_types=["sklearn.cluster._kmeans.KMeans"])

    assert (loaded.predict(X) == expected).all()
