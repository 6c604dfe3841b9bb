"""The S3 blob store when S3 fails: every failure is one of our errors, a reader never sees
a partial or unverified blob, and the same call succeeds once S3 is healthy again.

The store talks to moto's server through :class:`tests.faultproxy.FaultProxy`, which fails
one chosen S3 operation at a time. The proxied store makes a single attempt, so each
failure surfaces at once (with a 1 s read timeout where the proxy stalls); a second store,
straight to moto, checks what the bucket holds.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from modelyard.adapters.blobs.s3 import HEAD_WORKERS, S3BlobStore
from modelyard.errors import NotFound, Unavailable
from tests.faultproxy import FaultProxy

MiB = 1024 * 1024
SMALL = b"small model weights\n" * 100
BIG = hashlib.sha256(b"big").digest() * (9 * MiB // 32)  # two parts: multipart upload and copy
# one attempt, so a failure surfaces at once; a read timeout long enough for a loaded
# moto to take a part, and a short one where a test stalls on purpose
FAST = Config(connect_timeout=1, read_timeout=5, retries={"total_max_attempts": 1})
STALLS = ("stall", "stall_body")


def _case(operation: str, fault: str, data: bytes) -> Any:
    return pytest.param(operation, fault, data, id=f"{operation}-{fault}-{len(data)}")


# (operation, fault, data): each step of a put, for a small blob and a multipart one
PUT_FAULTS = [
    _case("PutObject", "500", SMALL),
    _case("PutObject", "reset", SMALL),
    _case("PutObject", "stall", SMALL),
    _case("CreateMultipartUpload", "503", BIG),
    _case("UploadPart", "500", BIG),
    _case("UploadPart", "reset", BIG),
    _case("CompleteMultipartUpload", "500", BIG),
    _case("HeadObject", "500", SMALL),
    _case("CopyObject", "500", SMALL),
    _case("CopyObject", "reset", SMALL),
    _case("UploadPartCopy", "503", BIG),
]
HEAL_FAULTS = [PUT_FAULTS[i] for i in (2, 5, 6, 9, 10)]


@pytest.fixture(scope="module")
def proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(s3_endpoint) as fp:
        yield fp


@pytest.fixture
def store(
    request: pytest.FixtureRequest, proxy: FaultProxy, s3_bucket: str
) -> Iterator[S3BlobStore]:
    """A store behind the proxy; the proxy heals after the test."""
    params = getattr(request.node, "callspec", None)
    stalls = params is not None and params.params.get("fault") in STALLS
    config = FAST.merge(Config(read_timeout=1)) if stalls else FAST
    try:
        yield S3BlobStore(s3_bucket, proxy.url, config=config)
    finally:
        proxy.heal()


@pytest.fixture
def direct(s3_endpoint: str, s3_bucket: str) -> S3BlobStore:
    """The same bucket straight through moto, to see what it holds."""
    return S3BlobStore(s3_bucket, s3_endpoint)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(store: S3BlobStore, digest: str) -> bytes:
    stream = store.open(digest)
    try:
        return stream.read()
    finally:
        stream.close()


def _leftovers(store: S3BlobStore) -> list[str]:
    """Objects outside blobs/ and unfinished multipart uploads."""
    s3: Any = store.s3
    listed = s3.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix).get("Contents", [])
    keys = [o["Key"] for o in listed if not o["Key"].startswith(f"{store.prefix}blobs/")]
    uploads = s3.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return sorted(keys) + [f"upload:{u['Key']}" for u in uploads]


# put ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("operation", "fault", "data"), PUT_FAULTS)
def test_put_failing_step_raises_unavailable_and_stores_nothing(
    store: S3BlobStore,
    direct: S3BlobStore,
    proxy: FaultProxy,
    operation: str,
    fault: Any,
    data: bytes,
) -> None:
    rule = proxy.fail(operation, fault)

    with pytest.raises(Unavailable):
        store.put(io.BytesIO(data), expected=_sha(data))

    assert rule.hits >= 1
    assert direct.missing([_sha(data)]) == {_sha(data)}
    assert list(direct.digests()) == []
    assert _leftovers(direct) == []


@pytest.mark.parametrize(("operation", "fault", "data"), HEAL_FAULTS)
def test_put_after_healing_stores_blob(
    store: S3BlobStore,
    direct: S3BlobStore,
    proxy: FaultProxy,
    operation: str,
    fault: Any,
    data: bytes,
) -> None:
    proxy.fail(operation, fault)
    with pytest.raises(Unavailable):
        store.put(io.BytesIO(data))
    proxy.heal()

    assert store.put(io.BytesIO(data), expected=_sha(data)).digest == _sha(data)
    assert _read(direct, _sha(data)) == data
    assert _leftovers(direct) == []


@pytest.mark.parametrize("data", [SMALL, BIG], ids=["CopyObject", "CompleteMultipartUpload"])
def test_put_losing_the_final_answer_leaves_a_whole_blob_or_none(
    store: S3BlobStore, direct: S3BlobStore, proxy: FaultProxy, data: bytes
) -> None:
    # the last write to the content key took effect but its answer was lost
    operation = "CopyObject" if data is SMALL else "CompleteMultipartUpload"
    rule = proxy.fail(operation, "lost", key_contains="/blobs/")

    with pytest.raises(Unavailable):
        store.put(io.BytesIO(data))

    assert rule.hits >= 1
    assert _read(direct, _sha(data)) == data
    assert _leftovers(direct) == []


def test_put_with_failing_temp_delete_keeps_the_verified_blob(
    store: S3BlobStore, direct: S3BlobStore, proxy: FaultProxy
) -> None:
    rule = proxy.fail("DeleteObject", "500", key_contains="/tmp/")

    info = store.put(io.BytesIO(SMALL))

    assert rule.hits == 1
    assert (info.digest, _read(direct, info.digest)) == (_sha(SMALL), SMALL)


def test_put_through_transient_503_is_absorbed_by_retry(
    s3_bucket: str, direct: S3BlobStore, proxy: FaultProxy
) -> None:
    store = S3BlobStore(
        s3_bucket, proxy.url, config=FAST.merge(Config(retries={"total_max_attempts": 3}))
    )
    rule = proxy.fail("PutObject", "503", times=1)
    try:
        info = store.put(io.BytesIO(SMALL), expected=_sha(SMALL))
    finally:
        proxy.heal()

    assert rule.hits == 1
    assert _read(direct, info.digest) == SMALL


# reads -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["500", "503", "reset", "stall", "cut_body", "stall_body"])
def test_read_failing_get_raises_unavailable_never_bytes(
    store: S3BlobStore, direct: S3BlobStore, proxy: FaultProxy, fault: Any
) -> None:
    digest = direct.put(io.BytesIO(BIG)).digest
    rule = proxy.fail("GetObject", fault)

    with pytest.raises(Unavailable):
        _read(store, digest)

    assert rule.hits == 1


def test_read_in_chunks_cut_short_raises_unavailable(
    store: S3BlobStore, direct: S3BlobStore, proxy: FaultProxy
) -> None:
    digest = direct.put(io.BytesIO(BIG)).digest
    proxy.fail("GetObject", "cut_body")
    stream, got = store.open(digest), b""

    with pytest.raises(Unavailable):
        while chunk := stream.read(MiB):
            got += chunk
    stream.close()

    assert len(got) < len(BIG)


def test_read_after_healing_returns_the_blob(
    store: S3BlobStore, direct: S3BlobStore, proxy: FaultProxy
) -> None:
    digest = direct.put(io.BytesIO(SMALL)).digest
    proxy.fail("GetObject", "reset")
    with pytest.raises(Unavailable):
        _read(store, digest)
    proxy.heal()

    assert _read(store, digest) == SMALL


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("HeadObject", lambda s, d: s.size(d)),
        ("HeadObject", lambda s, d: s.missing([d, _sha(b"other")])),
        ("DeleteObject", lambda s, d: s.delete(d)),
        ("ListObjectsV2", lambda s, d: list(s.digests())),
        ("HeadBucket", lambda s, d: s.ping()),
    ],
    ids=["size", "missing", "delete", "digests", "ping"],
)
def test_other_calls_failing_raise_unavailable(
    store: S3BlobStore, direct: S3BlobStore, proxy: FaultProxy, operation: str, call: Any
) -> None:
    digest = direct.put(io.BytesIO(SMALL)).digest
    rule = proxy.fail(operation, "500")

    with pytest.raises(Unavailable):
        call(store, digest)

    assert rule.hits >= 1
    assert _read(direct, digest) == SMALL


def test_open_absent_blob_raises_not_found(store: S3BlobStore) -> None:
    with pytest.raises(NotFound):
        store.open(_sha(b"never stored"))


def test_unreachable_endpoint_raises_unavailable(s3_bucket: str) -> None:
    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = S3BlobStore(s3_bucket, f"http://127.0.0.1:{port}", config=FAST)

    with pytest.raises(Unavailable):
        store.put(io.BytesIO(SMALL))
    with pytest.raises(Unavailable):
        store.ping()


# missing (review S5) -----------------------------------------------------------------------
class _RendezvousS3:
    """Enough of an S3 client for ``missing``: every HEAD waits until HEAD_WORKERS are in
    flight together, so asking about that many digests one at a time cannot pass."""

    def __init__(self, stored: set[str]) -> None:
        self.stored = stored
        self.barrier = threading.Barrier(HEAD_WORKERS, timeout=10)

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.barrier.wait()
        if Key.rsplit("/", 1)[-1] in self.stored:
            return {"ContentLength": 1}
        raise ClientError({"Error": {"Code": "404"}}, "HeadObject")


def test_missing_asks_about_digests_concurrently() -> None:
    digests = [_sha(b"%d" % i) for i in range(HEAD_WORKERS * 2)]
    store = S3BlobStore("s3://bucket/prefix", client=_RendezvousS3(set(digests[::2])))

    assert store.missing(digests) == set(digests[1::2])


# the proxy itself -------------------------------------------------------------------------
def test_proxy_forwards_a_chunked_request_body_whole(
    proxy: FaultProxy, direct: S3BlobStore
) -> None:
    proxy.heal()  # forget what earlier tests sent
    port = int(proxy.url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    key = f"{direct.prefix}chunked"
    try:
        conn.request(
            "PUT", f"/{direct.bucket}/{key}", body=iter([b"ab", b"cd"]), encode_chunked=True
        )
        assert conn.getresponse().status == 200
    finally:
        conn.close()

    s3: Any = direct.s3
    assert s3.get_object(Bucket=direct.bucket, Key=key)["Body"].read() == b"abcd"
    assert proxy.seen == ["PutObject"]
