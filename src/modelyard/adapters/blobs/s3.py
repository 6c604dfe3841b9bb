"""Content-addressed blobs in any S3-compatible bucket (boto3; any endpoint URL).

An upload streams to a temporary key while it is hashed (multipart for large blobs),
then is copied server-side to ``<prefix>/blobs/sha256/ab/<hex>`` only if it verified,
so a blob key is either whole and correct or absent.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import s3transfer.exceptions  # type: ignore[import-untyped]  # no stubs, no py.typed
import urllib3.exceptions
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from modelyard.adapters.blobs.local import check_offset
from modelyard.domain.digests import sha256_hex
from modelyard.errors import IntegrityError, InvalidArgument, NotFound, Unavailable
from modelyard.service.ports import BlobInfo, Readable, ReadStream

PART = 8 * 1024 * 1024
TRANSFER = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=4)
# HEADs in flight at once for missing(), per store; the client's connection pool matches
HEAD_WORKERS = 16
DEFAULT_CONFIG = Config(
    retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=HEAD_WORKERS
)
# what boto3, s3transfer and urllib3 raise when the store fails; a reader's own OSError
# is not among them and passes through as it is
_TRANSPORT_ERRORS = (
    BotoCoreError,
    Boto3Error,
    s3transfer.exceptions.RetriesExceededError,
    s3transfer.exceptions.S3UploadFailedError,
    s3transfer.exceptions.S3CopyFailedError,
    urllib3.exceptions.HTTPError,
)


class _Hashing:
    def __init__(self, src: Readable) -> None:
        self.src, self.h, self.size = src, hashlib.sha256(), 0

    def read(self, n: int = -1, /) -> bytes:
        # fill the request: boto3 picks multipart from the size of one read
        parts, have = [], 0
        while n < 0 or have < n:
            data = self.src.read(n - have if n >= 0 else -1)
            if not data:
                break
            parts.append(data)
            have += len(data)
            if n < 0:
                break
        data = b"".join(parts)
        self.h.update(data)
        self.size += len(data)
        return data


def parse_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise InvalidArgument(f"not an s3:// URI: {uri[:60]!r}")
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    if not bucket:
        raise InvalidArgument("s3:// URI names no bucket")
    return bucket, prefix.strip("/")


@contextlib.contextmanager
def s3_errors(what: str) -> Iterator[None]:
    """Translate what the S3 client raises into modelyard's errors, so none escapes: a
    missing key is NotFound; any other answer or a transport failure (5xx, SlowDown,
    timeouts, resets, no endpoint) is Unavailable, which callers may retry."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            raise NotFound(f"{what} does not exist") from None
        raise Unavailable(f"object store error on {what}: {code or 'unknown'}") from None
    except _TRANSPORT_ERRORS as exc:
        raise Unavailable(f"object store unreachable on {what}: {type(exc).__name__}") from None


def _label(digest: str) -> str:
    return f"blob sha256:{sha256_hex(digest)}"


class _Body:
    """A GetObject body whose failures are ours: a stream cut short, reset or stalled
    raises Unavailable (botocore checks the length, so short bytes never pass as whole)."""

    def __init__(self, body: Any, what: str) -> None:
        self.body, self.what = body, what  # botocore's StreamingBody

    def read(self, n: int = -1, /) -> bytes:
        with s3_errors(self.what):
            data: bytes = self.body.read(None if n < 0 else n)
            return data

    def close(self) -> None:
        with contextlib.suppress(*_TRANSPORT_ERRORS, OSError):
            self.body.close()


class S3BlobStore:
    """Blobs in ``s3://bucket/prefix``. ``config`` is merged over :data:`DEFAULT_CONFIG`
    (tests shorten timeouts and retries with it); ``client`` replaces the client whole."""

    def __init__(
        self,
        uri: str,
        endpoint_url: str | None = None,
        client: Any = None,
        *,
        config: Config | None = None,
    ) -> None:
        self.bucket, prefix = parse_s3_uri(uri)
        self.prefix = f"{prefix}/" if prefix else ""
        merged = DEFAULT_CONFIG.merge(config) if config is not None else DEFAULT_CONFIG
        self.s3 = client or boto3.client("s3", endpoint_url=endpoint_url, config=merged)
        # shared by every missing() call, so concurrent requests together stay within the
        # client's connection pool; threads start on first use and end with the store
        self._heads = ThreadPoolExecutor(HEAD_WORKERS, thread_name_prefix="modelyard-s3-head")

    def _key(self, digest: str) -> str:
        hexd = sha256_hex(digest)
        return f"{self.prefix}blobs/sha256/{hexd[:2]}/{hexd}"

    def _call(self, what: str, fn: Any, /, **kw: Any) -> Any:
        with s3_errors(what):
            return fn(**kw)

    def put(self, stream: Readable, expected: str | None = None) -> BlobInfo:
        if expected is not None:
            expected = sha256_hex(expected)
        tmp = f"{self.prefix}tmp/{uuid.uuid4().hex}"
        hashing = _Hashing(stream)
        try:
            self._call(
                "the upload of a blob",
                self.s3.upload_fileobj,
                Fileobj=hashing,
                Bucket=self.bucket,
                Key=tmp,
                Config=TRANSFER,
            )
            digest = hashing.h.hexdigest()
            if expected is not None and digest != expected:
                raise IntegrityError(
                    f"uploaded bytes have sha256:{digest}, not the declared sha256:{expected}"
                )
            if self._exists(digest):
                return BlobInfo(digest, hashing.size)
            source = {"Bucket": self.bucket, "Key": tmp}
            self._call(
                _label(digest),
                self.s3.copy,
                CopySource=source,
                Bucket=self.bucket,
                Key=self._key(digest),
                Config=TRANSFER,
            )
            return BlobInfo(digest, hashing.size)
        finally:
            # best effort: a stray tmp object is invisible to readers, and failing a put
            # whose blob is already whole and verified would only make the caller redo it
            with contextlib.suppress(ClientError, *_TRANSPORT_ERRORS):
                self.s3.delete_object(Bucket=self.bucket, Key=tmp)

    def _exists(self, digest: str) -> bool:
        try:
            self._call(
                _label(digest), self.s3.head_object, Bucket=self.bucket, Key=self._key(digest)
            )
        except NotFound:
            return False
        return True

    def missing(self, digests: Iterable[str]) -> set[str]:
        # one HEAD per digest, HEAD_WORKERS at a time: a request may ask about thousands,
        # and a HEAD costs a round trip, not work. Listing the two-hex prefixes instead
        # would cost in proportion to the whole store rather than to the question.
        wanted = sorted({sha256_hex(x) for x in digests})
        if len(wanted) <= 1:
            return {d for d in wanted if not self._exists(d)}
        found = list(self._heads.map(self._exists, wanted))
        return {d for d, here in zip(wanted, found, strict=True) if not here}

    def size(self, digest: str) -> int:
        head = self._call(
            _label(digest), self.s3.head_object, Bucket=self.bucket, Key=self._key(digest)
        )
        return int(head["ContentLength"])

    def open(self, digest: str, offset: int = 0) -> ReadStream:
        kw: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(digest)}
        if offset:
            if check_offset(offset, self.size(digest)):
                return io.BytesIO(b"")
            kw["Range"] = f"bytes={offset}-"
        what = _label(digest)
        return _Body(self._call(what, self.s3.get_object, **kw)["Body"], what)

    def delete(self, digest: str) -> None:
        self._call(_label(digest), self.s3.delete_object, Bucket=self.bucket, Key=self._key(digest))

    def digests(self) -> Iterator[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}blobs/sha256/"
        )
        listing = iter(pages)
        while True:
            with s3_errors(f"the listing of {self.bucket}"):  # each page is a request
                page = next(listing, None)
            if page is None:
                return
            for obj in page.get("Contents", []):
                yield str(obj["Key"]).rsplit("/", 1)[-1]

    def ping(self) -> None:
        self._call(f"bucket {self.bucket}", self.s3.head_bucket, Bucket=self.bucket)
