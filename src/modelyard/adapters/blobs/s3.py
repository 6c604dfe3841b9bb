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
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from modelyard.adapters.blobs.local import check_offset
from modelyard.domain.digests import sha256_hex
from modelyard.errors import IntegrityError, InvalidArgument, NotFound, Unavailable
from modelyard.service.ports import BlobInfo, Readable, ReadStream

PART = 8 * 1024 * 1024
TRANSFER = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, max_concurrency=4)


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


def _missing_key(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3BlobStore:
    def __init__(self, uri: str, endpoint_url: str | None = None, client: Any = None) -> None:
        self.bucket, prefix = parse_s3_uri(uri)
        self.prefix = f"{prefix}/" if prefix else ""
        self.s3 = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )

    def _key(self, digest: str) -> str:
        hexd = sha256_hex(digest)
        return f"{self.prefix}blobs/sha256/{hexd[:2]}/{hexd}"

    def _call(self, fn: Any, /, **kw: Any) -> Any:
        try:
            return fn(**kw)
        except ClientError as exc:
            if _missing_key(exc):
                raise NotFound(f"blob {kw.get('Key', '')} does not exist") from None
            raise Unavailable(
                f"object store error: {exc.response.get('Error', {}).get('Code')}"
            ) from None
        except BotoCoreError as exc:
            raise Unavailable(f"object store unreachable: {type(exc).__name__}") from None

    def put(self, stream: Readable, expected: str | None = None) -> BlobInfo:
        if expected is not None:
            expected = sha256_hex(expected)
        tmp = f"{self.prefix}tmp/{uuid.uuid4().hex}"
        hashing = _Hashing(stream)
        try:
            self._call(
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
                self.s3.copy,
                CopySource=source,
                Bucket=self.bucket,
                Key=self._key(digest),
                Config=TRANSFER,
            )
            return BlobInfo(digest, hashing.size)
        finally:
            # a stray tmp object is invisible to readers; GC removes it
            with contextlib.suppress(ClientError, BotoCoreError):
                self.s3.delete_object(Bucket=self.bucket, Key=tmp)

    def _exists(self, digest: str) -> bool:
        try:
            self._call(self.s3.head_object, Bucket=self.bucket, Key=self._key(digest))
        except NotFound:
            return False
        return True

    def missing(self, digests: Iterable[str]) -> set[str]:
        return {d for d in {sha256_hex(x) for x in digests} if not self._exists(d)}

    def size(self, digest: str) -> int:
        head = self._call(self.s3.head_object, Bucket=self.bucket, Key=self._key(digest))
        return int(head["ContentLength"])

    def open(self, digest: str, offset: int = 0) -> ReadStream:
        kw: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(digest)}
        if offset:
            if check_offset(offset, self.size(digest)):
                return io.BytesIO(b"")
            kw["Range"] = f"bytes={offset}-"
        body: ReadStream = self._call(self.s3.get_object, **kw)["Body"]
        return body

    def delete(self, digest: str) -> None:
        self._call(self.s3.delete_object, Bucket=self.bucket, Key=self._key(digest))

    def digests(self) -> Iterator[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}blobs/sha256/"
        )
        for page in pages:
            for obj in page.get("Contents", []):
                yield str(obj["Key"]).rsplit("/", 1)[-1]

    def ping(self) -> None:
        self._call(self.s3.head_bucket, Bucket=self.bucket)
