"""BlobStore contract: in memory, on the local filesystem and in S3 (a real moto server)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from modelyard.adapters.blobs.local import LocalBlobStore
from modelyard.adapters.blobs.s3 import S3BlobStore, parse_s3_uri
from modelyard.errors import IntegrityError, InvalidArgument, NotFound
from modelyard.service.ports import BlobStore
from tests.contract.conftest import blob_backends
from tests.fakes import MemoryBlobStore

DATA = b"model weights\n" * 5000
DIGEST = hashlib.sha256(DATA).hexdigest()
OTHER = b"other bytes"
OTHER_DIGEST = hashlib.sha256(OTHER).hexdigest()
ABSENT = hashlib.sha256(b"never stored").hexdigest()
EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
MiB = 1024 * 1024
BIG = 20 * MiB
CHUNK = 64 * 1024
INVALID = ["xyz", "0" * 63, "0" * 65, "../x", "sha256:../x", "g" * 64, "A" * 64, ""]


@pytest.fixture(params=blob_backends())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    kind: str = request.param
    if kind == "memory":
        return MemoryBlobStore()
    if kind == "local":
        return LocalBlobStore(tmp_path / "store")
    assert kind == "s3"
    endpoint: str = request.getfixturevalue("s3_endpoint")
    return S3BlobStore(request.getfixturevalue("s3_bucket"), endpoint)


def _leftovers(store: BlobStore) -> list[str]:
    """Anything a failed put may have left behind besides blobs: temp files, objects, uploads."""
    if isinstance(store, LocalBlobStore):
        return sorted(p.name for p in store.tmp.iterdir())
    if isinstance(store, S3BlobStore):
        s3: Any = store.s3
        keys = [
            o["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=store.bucket, Prefix=store.prefix
            )
            for o in page.get("Contents", [])
            if not o["Key"].startswith(f"{store.prefix}blobs/")
        ]
        uploads = s3.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
        return sorted(keys) + [f"upload:{u['Key']}" for u in uploads]
    return []


def _read(store: BlobStore, digest: str, offset: int = 0) -> bytes:
    stream = store.open(digest, offset)
    try:
        return stream.read()
    finally:
        stream.close()


def _chunks(total: int, fail_at: int | None = None) -> Iterator[bytes]:
    """``total`` bytes of 64 KiB chunks that all differ; raises OSError at ``fail_at``."""
    sent = 0
    for i in range(total // CHUNK):
        if fail_at is not None and sent >= fail_at:
            raise OSError("the disk went away")
        yield hashlib.sha256(i.to_bytes(4, "big")).digest() * (CHUNK // 32)
        sent += CHUNK


class GeneratorReader:
    """A Readable over a generator of chunks.

    ``short=False`` fills each read up to ``n`` like a buffered file; ``short=True`` returns
    at most one chunk per ``read(n)``, like a socket (both are valid ``read(n)`` behaviour);
    ``read()`` returns everything left either way.
    """

    def __init__(self, chunks: Iterator[bytes], short: bool = False) -> None:
        self.chunks, self.short, self.buffer, self.reads = chunks, short, b"", 0

    def read(self, n: int = -1, /) -> bytes:
        self.reads += 1
        want = float("inf") if n < 0 else n
        while len(self.buffer) < want:
            chunk = next(self.chunks, b"")
            if not chunk:
                break
            self.buffer += chunk
            if self.short and n >= 0:
                break
        cut = len(self.buffer) if n < 0 else n
        out, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return out


def _count_s3_calls(store: BlobStore) -> dict[str, int]:
    """Count the S3 API calls a store makes from now on (S3 only; empty otherwise)."""
    calls: dict[str, int] = {}
    if isinstance(store, S3BlobStore):

        def seen(event_name: str, **_: Any) -> None:
            op = event_name.rsplit(".", 1)[-1]
            calls[op] = calls.get(op, 0) + 1

        store.s3.meta.events.register("before-call.s3", seen)
    return calls


# put ---------------------------------------------------------------------------------------
def test_put_returns_sha256_and_size(store: BlobStore) -> None:
    info = store.put(io.BytesIO(DATA))
    assert (info.digest, info.size) == (DIGEST, len(DATA))


def test_put_identical_content_stores_it_once(store: BlobStore) -> None:
    first = store.put(io.BytesIO(DATA))
    second = store.put(io.BytesIO(DATA))
    assert first == second
    assert list(store.digests()) == [DIGEST]
    assert _leftovers(store) == []


@pytest.mark.parametrize("expected", [DIGEST, f"sha256:{DIGEST}"])
def test_put_with_right_expected_digest_stores_blob(store: BlobStore, expected: str) -> None:
    assert store.put(io.BytesIO(DATA), expected).digest == DIGEST
    assert _read(store, DIGEST) == DATA


def test_put_with_wrong_expected_digest_raises_and_stores_nothing(store: BlobStore) -> None:
    store.put(io.BytesIO(OTHER))
    with pytest.raises(IntegrityError):
        store.put(io.BytesIO(DATA), expected=f"sha256:{ABSENT}")
    assert store.missing([DIGEST, ABSENT]) == {DIGEST, ABSENT}
    assert list(store.digests()) == [OTHER_DIGEST]
    assert _leftovers(store) == []


def test_put_empty_blob_round_trips(store: BlobStore) -> None:
    info = store.put(io.BytesIO(b""), expected=EMPTY_DIGEST)
    assert (info.digest, info.size) == (EMPTY_DIGEST, 0)
    assert (store.size(EMPTY_DIGEST), _read(store, EMPTY_DIGEST)) == (0, b"")
    assert list(store.digests()) == [EMPTY_DIGEST]


def test_put_streams_20_mib_from_a_generator(store: BlobStore) -> None:
    want = hashlib.sha256()
    for chunk in _chunks(BIG):
        want.update(chunk)
    calls = _count_s3_calls(store)
    info = store.put(GeneratorReader(_chunks(BIG)), expected=want.hexdigest())
    assert (info.digest, info.size) == (want.hexdigest(), BIG)
    assert store.size(info.digest) == BIG
    got, stream = hashlib.sha256(), store.open(info.digest)
    try:
        while chunk := stream.read(MiB):
            got.update(chunk)
    finally:
        stream.close()
    assert got.hexdigest() == want.hexdigest()
    if isinstance(store, S3BlobStore):  # a multipart upload in 8 MiB parts, never one PUT
        assert (calls.get("PutObject", 0), calls.get("UploadPart")) == (0, 3)
    assert _leftovers(store) == []


@pytest.mark.parametrize("store", blob_backends(), indirect=True)
def test_put_streams_short_reads_in_bounded_memory(store: BlobStore) -> None:
    calls = _count_s3_calls(store)
    want = hashlib.sha256(b"".join(_chunks(BIG))).hexdigest()
    info = store.put(GeneratorReader(_chunks(BIG), short=True))
    assert (info.digest, info.size) == (want, BIG)
    assert store.size(want) == BIG
    if isinstance(store, S3BlobStore):
        assert (calls.get("PutObject", 0), calls.get("UploadPart")) == (0, 3)


@pytest.mark.parametrize("fail_at", [MiB, 12 * MiB], ids=["before-first-part", "mid-multipart"])
def test_put_from_failing_reader_stores_nothing(store: BlobStore, fail_at: int) -> None:
    store.put(io.BytesIO(OTHER))
    with pytest.raises(OSError, match="disk went away"):
        store.put(GeneratorReader(_chunks(BIG, fail_at=fail_at)))
    assert list(store.digests()) == [OTHER_DIGEST]
    assert _leftovers(store) == []


# missing / size / open -----------------------------------------------------------------------
def test_missing_reports_only_absent_digests(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    assert store.missing([DIGEST, ABSENT, ABSENT]) == {ABSENT}
    assert store.missing([]) == set()


@pytest.mark.parametrize(
    "store",
    blob_backends(),
    indirect=True,
)
def test_missing_reports_bare_hex_for_prefixed_digests(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    assert store.missing([f"sha256:{DIGEST}", f"sha256:{ABSENT}"]) == {ABSENT}


def test_size_returns_stored_length(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    store.put(io.BytesIO(OTHER))
    assert (store.size(DIGEST), store.size(f"sha256:{OTHER_DIGEST}")) == (len(DATA), len(OTHER))


def test_open_reads_whole_blob(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    assert _read(store, DIGEST) == DATA
    assert _read(store, f"sha256:{DIGEST}") == DATA


@pytest.mark.parametrize("offset", [1, 4321, len(DATA) - 1])
def test_open_at_offset_reads_the_rest(store: BlobStore, offset: int) -> None:
    store.put(io.BytesIO(DATA))
    assert _read(store, DIGEST, offset) == DATA[offset:]


@pytest.mark.parametrize("store", blob_backends(), indirect=True)
def test_open_at_end_reads_nothing(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    assert _read(store, DIGEST, len(DATA)) == b""


@pytest.mark.parametrize(
    "store",
    blob_backends(),
    indirect=True,
)
def test_open_outside_blob_raises_invalid_argument(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    for offset in (len(DATA) + 1, -1):
        with pytest.raises(InvalidArgument):
            store.open(DIGEST, offset).close()


def test_size_and_open_of_unknown_digest_raise_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFound):
        store.size(ABSENT)
    with pytest.raises(NotFound):
        store.open(ABSENT)
    with pytest.raises(NotFound):
        store.open(f"sha256:{ABSENT}", 5)


@pytest.mark.parametrize("bad", INVALID)
def test_invalid_digest_raises_invalid_argument(store: BlobStore, bad: str) -> None:
    with pytest.raises(InvalidArgument):
        store.put(io.BytesIO(DATA), expected=bad)
    with pytest.raises(InvalidArgument):
        store.missing([DIGEST, bad])
    with pytest.raises(InvalidArgument):
        store.size(bad)
    with pytest.raises(InvalidArgument):
        store.open(bad)
    with pytest.raises(InvalidArgument):
        store.delete(bad)
    assert list(store.digests()) == []
    assert _leftovers(store) == []


# delete / digests / ping -----------------------------------------------------------------
def test_delete_removes_only_that_blob(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    store.put(io.BytesIO(OTHER))
    store.delete(f"sha256:{DIGEST}")
    assert store.missing([DIGEST, OTHER_DIGEST]) == {DIGEST}
    assert list(store.digests()) == [OTHER_DIGEST]
    with pytest.raises(NotFound):
        store.size(DIGEST)


def test_delete_unknown_digest_is_a_no_op(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    store.delete(ABSENT)
    store.delete(ABSENT)
    assert list(store.digests()) == [DIGEST]


def test_put_after_delete_stores_blob_again(store: BlobStore) -> None:
    store.put(io.BytesIO(DATA))
    store.delete(DIGEST)
    store.put(io.BytesIO(DATA))
    assert _read(store, DIGEST) == DATA


def test_digests_lists_every_blob_in_order(store: BlobStore) -> None:
    contents = [b"blob %d" % i for i in range(12)]
    for data in contents:
        store.put(io.BytesIO(data))
    assert list(store.digests()) == sorted(hashlib.sha256(d).hexdigest() for d in contents)


def test_ping_succeeds_on_a_healthy_store(store: BlobStore) -> None:
    store.ping()


def test_s3_store_keeps_blobs_under_its_prefix(s3_endpoint: str, s3_bucket: str) -> None:
    store = S3BlobStore(s3_bucket, s3_endpoint)
    store.put(io.BytesIO(DATA))
    bucket, prefix = parse_s3_uri(s3_bucket)
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == [
        f"{prefix}/blobs/sha256/{DIGEST[:2]}/{DIGEST}"
    ]
