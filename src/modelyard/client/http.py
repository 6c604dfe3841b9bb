"""The HTTP transport: speaks only the public /api/v1 contract (``modelyard.wire``)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from modelyard import wire
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
from modelyard.domain.refs import parse_ref
from modelyard.errors import InvalidArgument, ModelyardError, Unavailable, error_for_code
from modelyard.service import runs
from modelyard.service.maintenance import FsckReport, Problem
from modelyard.service.ports import Readable
from modelyard.service.runs import RunSpec

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
RETRIES = 4
CHUNK = 1024 * 1024


def _seg(value: str) -> str:
    """One path segment, validated by the domain grammar before it is sent."""
    return quote(value, safe="@")


def _key(key: str) -> str:
    return quote(names.tag_key(key), safe="")


def _alias(alias: str) -> str:
    return quote(names.alias_name(alias), safe="")


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()["error"]
        err = error_for_code(str(body["code"]), str(body["message"]))
    except (ValueError, KeyError, TypeError):
        err = ModelyardError(f"HTTP {response.status_code}: {response.text[:200]}")
    raise err


class _BlobStream:
    """A readable over a streamed GET; closes the response when done."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.chunks: Iterator[bytes] = response.iter_bytes(CHUNK)
        self.buffer = b""

    def read(self, n: int = -1, /) -> bytes:
        while n < 0 or len(self.buffer) < n:
            chunk = next(self.chunks, b"")
            if not chunk:
                break
            self.buffer += chunk
        n = len(self.buffer) if n < 0 else n
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def close(self) -> None:
        self.response.close()


def _client_side_validation(cls: type[T]) -> type[T]:
    """Report a request the wire models refuse as InvalidArgument, as the server would."""
    for attr, fn in list(vars(cls).items()):
        if callable(fn) and not attr.startswith("_"):
            setattr(cls, attr, _refusing_invalid(fn))
    return cls


def _refusing_invalid(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            errors = exc.errors()
            where = ".".join(str(x) for x in errors[0]["loc"]) if errors else "request"
            detail = errors[0]["msg"] if errors else "invalid"
            raise InvalidArgument(f"{where}: {detail}") from None

    return wrapper


@_client_side_validation
class HttpTransport:
    def __init__(
        self, base_url: str, settings: Settings | None = None, client: httpx.Client | None = None
    ) -> None:
        settings = settings or Settings()
        self.user = settings.user or "anonymous"
        headers = {"X-Modelyard-User": self.user} if settings.user else {}
        self.http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=60.0)
        self.http.headers.update(headers)

    def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """Send with bounded retries on connection failures and 503s."""
        for attempt in range(RETRIES):
            try:
                response = self.http.request(method, url, **kw)
            except httpx.TransportError as exc:
                if attempt == RETRIES - 1:
                    raise Unavailable(f"server unreachable: {type(exc).__name__}") from None
            else:
                if response.status_code != 503 or attempt == RETRIES - 1:
                    _raise_for(response)
                    return response
            time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def _get(self, shape: type[M], url: str, **params: Any) -> M:
        clean = {k: v for k, v in params.items() if v is not None}
        return shape.model_validate_json(self._send("GET", url, params=clean).content)

    def _call(self, shape: type[M], method: str, url: str, body: BaseModel | None, **kw: Any) -> M:
        # a bodiless POST still sends JSON: the server refuses any other POST (CSRF)
        content = body.model_dump_json() if body is not None else "{}"
        headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
        response = self._send(method, url, content=content, headers=headers, **kw)
        return shape.model_validate_json(response.content)

    def _do(self, method: str, url: str, body: BaseModel | None = None) -> None:
        content = body.model_dump_json() if body is not None else None
        self._send(method, url, content=content, headers={"Content-Type": "application/json"})

    def _m(self, name: str) -> str:
        return f"/api/v1/models/{_seg(names.model_name(name))}"

    def _v(self, name: str, ref: str) -> str:
        return f"{self._m(name)}/versions/{_seg(str(parse_ref(ref)))}"

    # models --------------------------------------------------------------------------
    def create_model(self, name: str, description: str, tags: dict[str, str]) -> RegisteredModel:
        body = wire.ModelCreate(name=name, description=description, tags=tags)
        return wire.model_in(self._call(wire.ModelOut, "POST", "/api/v1/models", body))

    def get_model(self, name: str) -> RegisteredModel:
        return wire.model_in(self._get(wire.ModelOut, self._m(name)))

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
            filter=filter,
            max_results=max_results,
            page_token=page_token,
            order_by=order_by or None,
        )
        return Page([wire.model_in(m) for m in out.models], out.next_page_token)

    def rename_model(self, name: str, new_name: str) -> RegisteredModel:
        body = wire.ModelPatch(name=new_name)
        return wire.model_in(self._call(wire.ModelOut, "PATCH", self._m(name), body))

    def update_model(self, name: str, description: str) -> RegisteredModel:
        body = wire.ModelPatch(description=description)
        return wire.model_in(self._call(wire.ModelOut, "PATCH", self._m(name), body))

    def delete_model(self, name: str) -> None:
        self._do("DELETE", self._m(name))

    def set_model_tag(self, name: str, key: str, value: str) -> None:
        self._do("PUT", f"{self._m(name)}/tags/{_key(key)}", wire.TagIn(value=value))

    def delete_model_tag(self, name: str, key: str) -> None:
        self._do("DELETE", f"{self._m(name)}/tags/{_key(key)}")

    # versions ------------------------------------------------------------------------
    def create_version(self, name: str, spec: NewVersion, idempotency_key: str) -> ModelVersion:
        out = self._call(
            wire.VersionOut,
            "POST",
            f"{self._m(name)}/versions",
            wire.version_create(spec),
            headers={"Idempotency-Key": idempotency_key},
        )
        return wire.version_in(out)

    def get_version(self, name: str, ref: str) -> ModelVersion:
        return wire.version_in(self._get(wire.VersionOut, self._v(name, ref)))

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
            filter=filter,
            max_results=max_results,
            page_token=page_token,
            order_by=order_by or None,
        )
        return Page([wire.version_in(v) for v in out.versions], out.next_page_token)

    def update_version(self, name: str, ref: str, description: str) -> ModelVersion:
        body = wire.VersionPatch(description=description)
        return wire.version_in(self._call(wire.VersionOut, "PATCH", self._v(name, ref), body))

    def delete_version(self, name: str, ref: str) -> None:
        self._do("DELETE", self._v(name, ref))

    def set_version_tag(self, name: str, ref: str, key: str, value: str) -> None:
        self._do("PUT", f"{self._v(name, ref)}/tags/{_key(key)}", wire.TagIn(value=value))

    def delete_version_tag(self, name: str, ref: str, key: str) -> None:
        self._do("DELETE", f"{self._v(name, ref)}/tags/{_key(key)}")

    # stages, aliases, audit ----------------------------------------------------------
    def transition(
        self, name: str, ref: str, stage: str, archive_existing: bool, comment: str
    ) -> ModelVersion:
        body = wire.TransitionIn(stage=stage, archive_existing=archive_existing, comment=comment)
        out = self._call(wire.VersionOut, "POST", f"{self._v(name, ref)}/transition", body)
        return wire.version_in(out)

    def rollback(self, name: str, comment: str) -> ModelVersion:
        out = self._call(
            wire.VersionOut, "POST", f"{self._m(name)}/rollback", wire.RollbackIn(comment=comment)
        )
        return wire.version_in(out)

    def stage_history(self, name: str, ref: str | None) -> list[StageChange]:
        url = f"{self._v(name, ref)}/history" if ref else f"{self._m(name)}/history"
        return [wire.change_in(c) for c in self._get(wire.HistoryOut, url).changes]

    def set_alias(self, name: str, alias: str, ref: str) -> ModelVersion:
        out = self._call(
            wire.VersionOut,
            "PUT",
            f"{self._m(name)}/aliases/{_alias(alias)}",
            wire.AliasIn(version=ref),
        )
        return wire.version_in(out)

    def delete_alias(self, name: str, alias: str) -> None:
        self._do("DELETE", f"{self._m(name)}/aliases/{_alias(alias)}")

    def audit(
        self, model: str | None, since: datetime | None, max_results: int, page_token: str | None
    ) -> Page[AuditEvent]:
        out = self._get(
            wire.AuditList,
            "/api/v1/audit",
            model=model,
            since=since.isoformat() if since else None,
            max_results=max_results,
            page_token=page_token,
        )
        return Page([wire.event_in(e) for e in out.events], out.next_page_token)

    # runs ----------------------------------------------------------------------------
    def start_run(self, spec: RunSpec) -> Run:
        body = wire.RunCreate(**spec.__dict__)
        return wire.run_in(self._call(wire.RunOut, "POST", "/api/v1/runs", body))

    def get_run(self, run_id: str) -> Run:
        return wire.run_in(self._get(wire.RunOut, f"/api/v1/runs/{runs.run_id(run_id)}"))

    def _patch_run(self, run_id: str, patch: wire.RunPatch) -> Run:
        return wire.run_in(
            self._call(wire.RunOut, "PATCH", f"/api/v1/runs/{runs.run_id(run_id)}", patch)
        )

    def log_params(self, run_id: str, params: dict[str, object]) -> None:
        self._patch_run(run_id, wire.RunPatch(params={k: str(v) for k, v in params.items()}))

    def log_metrics(self, run_id: str, metrics: list[Metric]) -> None:
        batch = [wire.metric_out(m) for m in metrics]
        self._patch_run(run_id, wire.RunPatch(metrics=batch))

    def log_dataset(self, run_id: str, dataset: Dataset) -> None:
        self._patch_run(run_id, wire.RunPatch(datasets=[wire.dataset_out(dataset)]))

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        self._patch_run(run_id, wire.RunPatch(tags={key: value}))

    def end_run(self, run_id: str, status: str) -> Run:
        return self._patch_run(run_id, wire.RunPatch(status=status))

    # blobs ---------------------------------------------------------------------------
    def missing_blobs(self, digests: Iterable[str]) -> set[str]:
        body = wire.MissingIn(digests=sorted(set(digests)))
        return set(self._call(wire.MissingOut, "POST", "/api/v1/blobs/missing", body).missing)

    def upload_blob(self, digest: str, stream: Readable, size: int) -> None:
        def chunks() -> Iterator[bytes]:
            while chunk := stream.read(CHUNK):
                yield chunk

        headers = {"Content-Length": str(size), "Content-Type": "application/octet-stream"}
        response = self.http.put(
            f"/api/v1/blobs/sha256:{digest}", content=chunks(), headers=headers
        )
        _raise_for(response)

    def open_blob(self, digest: str) -> _BlobStream:
        request = self.http.build_request("GET", f"/api/v1/blobs/sha256:{digest}")
        response = self.http.send(request, stream=True)
        if not response.is_success:
            response.read()
            response.close()
            _raise_for(response)
        return _BlobStream(response)

    def fsck(self) -> FsckReport:
        out = self._call(wire.FsckOut, "POST", "/api/v1/fsck", None)
        problems = [Problem(**p.model_dump()) for p in out.problems]
        return FsckReport(out.versions, out.blobs, out.audit_events, out.audit_ok, problems)

    def close(self) -> None:
        self.http.close()
