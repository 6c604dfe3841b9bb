"""The HTTP transport: speaks only the public /api/v1 contract (``modelyard.wire``).

Retries are limited to requests that are safe to send twice: reads (GET/HEAD), blob PUTs
(content-addressed, and re-sent from the start of a seekable source), and writes that carry
an ``Idempotency-Key`` (every mutating call gets a fresh one, the same across its retries,
so the server can answer a repeat with the first outcome). Anything else is retried only
when the connection failed before the request left.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from modelyard import wire
from modelyard.client.blobstream import BlobStream, Opener
from modelyard.client.exchange import (
    as_is,
    decode,
    decode_page,
    raise_for,
    read_chunks,
    request_body,
    retryable,
    rewinder,
)
from modelyard.client.exchange import seg as _seg
from modelyard.client.http_events import EventCalls
from modelyard.client.http_governance import GovernanceCalls
from modelyard.client.http_webhooks import WebhookCalls
from modelyard.config import Settings
from modelyard.domain import names
from modelyard.domain.entities import (
    AuditEvent,
    Dataset,
    Metric,
    ModelVersion,
    NewVersion,
    Page,
    RegisteredModel,
    Run,
    StageChange,
)
from modelyard.domain.fsck import FsckReport
from modelyard.domain.lineage import RunSpec, run_id
from modelyard.domain.refs import parse_ref
from modelyard.domain.streams import Readable
from modelyard.errors import ApprovalPending, Unavailable
from modelyard.wire.approvals import (
    ApprovalEnvelope,
    approval_to_domain,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
ATTEMPTS = 4
JSON = {"Content-Type": "application/json"}


def _key(key: str) -> str:
    return quote(names.tag_key(key), safe="")


def _alias(alias: str) -> str:
    return quote(names.alias_name(alias), safe="")


class HttpTransport(GovernanceCalls, EventCalls, WebhookCalls):
    local = False

    def __init__(
        self,
        base_url: str,
        settings: Settings | None = None,
        client: httpx.Client | None = None,
        *,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings = settings or Settings()
        self.user = settings.user or "anonymous"
        headers = {"X-Modelyard-User": self.user} if settings.user else {}
        if settings.token is not None:
            # a header only, never the URL; httpx drops it on a redirect to another host
            headers["Authorization"] = f"Bearer {settings.token.get_secret_value()}"
        self.http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=60.0)
        self.http.headers.update(headers)
        self.attempts, self._sleep = attempts, sleep

    def _send(
        self, build: Callable[[], httpx.Request], *, safe: bool, stream: bool = False
    ) -> httpx.Response:
        """Send a request built afresh per attempt, retrying only what ``safe`` allows."""

        def attempt() -> httpx.Response:
            response = self.http.send(build(), stream=stream)
            if stream and not response.is_success:
                response.read()
                response.close()
            raise_for(response)
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_random_exponential(multiplier=0.2, max=5.0),
            retry=retry_if_exception(lambda exc: retryable(exc, safe)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except httpx.TransportError as exc:
            raise Unavailable(f"server unreachable: {type(exc).__name__}") from None

    def _get(self, shape: type[M], url: str, convert: Callable[[M], T], **params: Any) -> T:
        clean = {k: v for k, v in params.items() if v is not None}
        response = self._send(lambda: self.http.build_request("GET", url, params=clean), safe=True)
        return decode(shape, response, convert)

    def _write(
        self, method: str, url: str, body: BaseModel | None, key: str | None = None
    ) -> httpx.Response:
        """A mutating call: one Idempotency-Key for the call, the same on every retry."""
        headers = {**JSON, "Idempotency-Key": key or uuid.uuid4().hex}
        # A POST always carries a JSON body, so the server can refuse cross-site form posts.
        content = body.model_dump_json() if body is not None else "{}" if method == "POST" else None

        def build() -> httpx.Request:
            return self.http.build_request(method, url, content=content, headers=headers)

        response = self._send(build, safe=True)
        if response.status_code == 202:
            # the change became an approval request: both transports raise ApprovalPending
            pending = decode(
                ApprovalEnvelope, response, lambda out: approval_to_domain(out.approval)
            )
            raise ApprovalPending(f"approval request {pending.id} is pending", pending)
        return response

    def _call(
        self, shape: type[M], convert: Callable[[M], T], method: str, url: str, body: BaseModel
    ) -> T:
        return decode(shape, self._write(method, url, body), convert)

    def _m(self, name: str) -> str:
        return f"/api/v1/models/{_seg(names.model_name(name))}"

    def _v(self, name: str, ref: str) -> str:
        return f"{self._m(name)}/versions/{_seg(str(parse_ref(ref)))}"

    # models --------------------------------------------------------------------------
    def create_model(self, name: str, description: str, tags: dict[str, str]) -> RegisteredModel:
        body = request_body(lambda: wire.ModelCreate(name=name, description=description, tags=tags))
        return self._call(wire.ModelOut, wire.model_to_domain, "POST", "/api/v1/models", body)

    def get_model(self, name: str) -> RegisteredModel:
        return self._get(wire.ModelOut, self._m(name), wire.model_to_domain)

    def search_models(
        self,
        filter: str | None,
        max_results: int,
        page_token: str | None,
        order_by: list[str] | None = None,
    ) -> Page[RegisteredModel]:
        out = self._get(
            wire.ModelList,
            "/api/v1/models",
            as_is,
            filter=filter,
            max_results=max_results,
            page_token=page_token,
            order_by=order_by or None,
        )
        return decode_page(out.models, wire.model_to_domain, out.next_page_token)

    def rename_model(self, name: str, new_name: str) -> RegisteredModel:
        body = request_body(lambda: wire.ModelPatch(name=new_name))
        return self._call(wire.ModelOut, wire.model_to_domain, "PATCH", self._m(name), body)

    def update_model(self, name: str, description: str) -> RegisteredModel:
        body = request_body(lambda: wire.ModelPatch(description=description))
        return self._call(wire.ModelOut, wire.model_to_domain, "PATCH", self._m(name), body)

    def delete_model(self, name: str) -> None:
        self._write("DELETE", self._m(name), None)

    def set_model_tag(self, name: str, key: str, value: str) -> RegisteredModel:
        body = request_body(lambda: wire.TagIn(value=value))
        url = f"{self._m(name)}/tags/{_key(key)}"
        return self._call(wire.ModelOut, wire.model_to_domain, "PUT", url, body)

    def delete_model_tag(self, name: str, key: str) -> RegisteredModel:
        response = self._write("DELETE", f"{self._m(name)}/tags/{_key(key)}", None)
        return decode(wire.ModelOut, response, wire.model_to_domain)

    # versions ------------------------------------------------------------------------
    def create_version(self, name: str, spec: NewVersion, idempotency_key: str) -> ModelVersion:
        body = request_body(lambda: wire.version_create(spec))
        response = self._write("POST", f"{self._m(name)}/versions", body, idempotency_key)
        return decode(wire.VersionOut, response, wire.version_to_domain)

    def get_version(self, name: str, ref: str) -> ModelVersion:
        return self._get(wire.VersionOut, self._v(name, ref), wire.version_to_domain)

    def search_versions(
        self,
        filter: str | None,
        max_results: int,
        page_token: str | None,
        order_by: list[str] | None = None,
    ) -> Page[ModelVersion]:
        out = self._get(
            wire.VersionList,
            "/api/v1/versions",
            as_is,
            filter=filter,
            max_results=max_results,
            page_token=page_token,
            order_by=order_by or None,
        )
        return decode_page(out.versions, wire.version_to_domain, out.next_page_token)

    def update_version(self, name: str, ref: str, description: str) -> ModelVersion:
        body = request_body(lambda: wire.VersionPatch(description=description))
        return self._call(
            wire.VersionOut, wire.version_to_domain, "PATCH", self._v(name, ref), body
        )

    def delete_version(self, name: str, ref: str) -> None:
        self._write("DELETE", self._v(name, ref), None)

    def set_version_tag(self, name: str, ref: str, key: str, value: str) -> ModelVersion:
        body = request_body(lambda: wire.TagIn(value=value))
        url = f"{self._v(name, ref)}/tags/{_key(key)}"
        return self._call(wire.VersionOut, wire.version_to_domain, "PUT", url, body)

    def delete_version_tag(self, name: str, ref: str, key: str) -> ModelVersion:
        response = self._write("DELETE", f"{self._v(name, ref)}/tags/{_key(key)}", None)
        return decode(wire.VersionOut, response, wire.version_to_domain)

    # stages, aliases, audit ----------------------------------------------------------
    def transition(
        self, name: str, ref: str, stage: str, archive_existing: bool, comment: str
    ) -> ModelVersion:
        body = request_body(
            lambda: wire.TransitionIn(
                stage=stage, archive_existing=archive_existing, comment=comment
            )
        )
        url = f"{self._v(name, ref)}/transition"
        return self._call(wire.VersionOut, wire.version_to_domain, "POST", url, body)

    def rollback(self, name: str, comment: str) -> ModelVersion:
        body = request_body(lambda: wire.RollbackIn(comment=comment))
        url = f"{self._m(name)}/rollback"
        return self._call(wire.VersionOut, wire.version_to_domain, "POST", url, body)

    def stage_history(self, name: str, ref: str | None) -> list[StageChange]:
        url = f"{self._v(name, ref)}/history" if ref else f"{self._m(name)}/history"
        return self._get(
            wire.HistoryOut, url, lambda out: [wire.change_to_domain(c) for c in out.changes]
        )

    def set_alias(self, name: str, alias: str, ref: str) -> ModelVersion:
        body = request_body(lambda: wire.AliasIn(version=ref))
        url = f"{self._m(name)}/aliases/{_alias(alias)}"
        return self._call(wire.VersionOut, wire.version_to_domain, "PUT", url, body)

    def delete_alias(self, name: str, alias: str) -> RegisteredModel:
        response = self._write("DELETE", f"{self._m(name)}/aliases/{_alias(alias)}", None)
        return decode(wire.ModelOut, response, wire.model_to_domain)

    def audit(
        self, model: str | None, since: datetime | None, max_results: int, page_token: str | None
    ) -> Page[AuditEvent]:
        out = self._get(
            wire.AuditList,
            "/api/v1/audit",
            as_is,
            model=model,
            since=since.isoformat() if since else None,
            max_results=max_results,
            page_token=page_token,
        )
        return decode_page(out.events, wire.event_to_domain, out.next_page_token)

    # runs ----------------------------------------------------------------------------
    def start_run(self, spec: RunSpec) -> Run:
        body = request_body(lambda: wire.RunCreate(**spec.__dict__))
        return self._call(wire.RunOut, wire.run_to_domain, "POST", "/api/v1/runs", body)

    def get_run(self, rid: str) -> Run:
        return self._get(wire.RunOut, f"/api/v1/runs/{run_id(rid)}", wire.run_to_domain)

    def _patch_run(self, rid: str, build: Callable[[], wire.RunPatch]) -> Run:
        url = f"/api/v1/runs/{run_id(rid)}"
        return self._call(wire.RunOut, wire.run_to_domain, "PATCH", url, request_body(build))

    def log_params(self, rid: str, params: dict[str, object]) -> None:
        self._patch_run(rid, lambda: wire.RunPatch(params={k: str(v) for k, v in params.items()}))

    def log_metrics(self, rid: str, metrics: list[Metric]) -> None:
        self._patch_run(rid, lambda: wire.RunPatch(metrics=[wire.metric_out(m) for m in metrics]))

    def log_dataset(self, rid: str, dataset: Dataset) -> None:
        self._patch_run(rid, lambda: wire.RunPatch(datasets=[wire.dataset_out(dataset)]))

    def set_run_tag(self, rid: str, key: str, value: str) -> None:
        self._patch_run(rid, lambda: wire.RunPatch(tags={key: value}))

    def end_run(self, rid: str, status: str) -> Run:
        return self._patch_run(rid, lambda: wire.RunPatch(status=status))

    # blobs ---------------------------------------------------------------------------
    def missing_blobs(self, digests: Iterable[str]) -> set[str]:
        body = request_body(lambda: wire.MissingIn(digests=sorted(set(digests))))
        content = body.model_dump_json()

        def build() -> httpx.Request:
            url = "/api/v1/blobs/missing"
            return self.http.build_request("POST", url, content=content, headers=JSON)

        # A question, not a write: asking twice is harmless.
        response = self._send(build, safe=True)
        return decode(wire.MissingOut, response, lambda out: set(out.missing))

    def upload_blob(self, digest: str, stream: Readable, size: int) -> None:
        rewind = rewinder(stream)
        headers = {"Content-Length": str(size), "Content-Type": "application/octet-stream"}

        def build() -> httpx.Request:
            if rewind is not None:
                rewind()
            url = f"/api/v1/blobs/sha256:{digest}"
            return self.http.build_request("PUT", url, content=read_chunks(stream), headers=headers)

        # Content-addressed, so sending it twice stores the same bytes once.
        self._send(build, safe=rewind is not None)

    def open_blob(self, digest: str) -> BlobStream:
        url = f"/api/v1/blobs/sha256:{digest}"

        def opener(offset: int) -> httpx.Response:
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            return self._send(
                lambda: self.http.build_request("GET", url, headers=headers), safe=True, stream=True
            )

        resume: Opener = opener
        return BlobStream(resume, self.attempts)

    def fsck(self) -> FsckReport:
        return decode(wire.FsckOut, self._write("POST", "/api/v1/fsck", None), wire.fsck_to_domain)

    def close(self) -> None:
        self.http.close()
