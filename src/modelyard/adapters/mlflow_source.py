"""Read an MLflow server's registry over its REST API: the ``MlflowSource`` of an import.

Only the MLflow server's own API is used: registry and run reads, and its artifact proxy
for files. Redirects are not followed; every file path is checked by modelyard's
artifact-path grammar before it is used. Credentials in the URL (``user:password@``) and
its query string are sent with every request but never stored or shown: ``url`` and every
error message name the server without them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import httpx

from modelyard.domain.digests import artifact_path
from modelyard.errors import InvalidArgument, NotFound, Unavailable

PAGE = 100
MAX_FILES = 10_000
CHUNK = 1024 * 1024


def _split(url: str) -> tuple[str, httpx.BasicAuth | None, str]:
    """(base URL without userinfo, query or fragment; basic auth; the query)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument("--from must be an http(s):// URL of an MLflow server")
    host = parts.netloc.rpartition("@")[2]
    base = urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
    auth = None
    if parts.username is not None:
        auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
    return base, auth, parts.query


class MlflowHttpSource:
    """An MLflow server at ``url`` (http or https), read with httpx."""

    def __init__(self, url: str, http: httpx.Client | None = None) -> None:
        url = url.strip()
        base, auth, query = _split(url)
        self._base = base
        self._secrets = sorted(_secrets(url), key=len, reverse=True)
        self.http = http or httpx.Client(
            timeout=60, follow_redirects=False, auth=auth, params=httpx.QueryParams(query)
        )

    @property
    def url(self) -> str:
        return self._base

    def close(self) -> None:
        self.http.close()

    def _scrub(self, text: object) -> str:
        out = str(text)
        for secret in self._secrets:
            out = out.replace(secret, self._base if "://" in secret else "***")
        return out

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            r = self.http.get(f"{self._base}{path}", params=params)
        except httpx.HTTPError as exc:
            raise Unavailable(f"MLflow server at {self._base}: {self._scrub(exc)}") from None
        if r.status_code == 404:
            raise NotFound(f"MLflow answered 404 for {path}: {self._scrub(r.text[:200])}")
        if r.status_code != 200:
            detail = self._scrub(r.text[:200])
            raise Unavailable(f"MLflow answered {r.status_code} for {path}: {detail}")
        try:
            body = r.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise Unavailable(f"MLflow answered something other than a JSON object for {path}")
        return body

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            body = self._get(path, {**params, **({"page_token": token} if token else {})})
            yield from body.get(key, [])
            token = body.get("next_page_token")
            if not token:
                return

    def models(self) -> Iterator[dict[str, Any]]:
        path = "/api/2.0/mlflow/registered-models/search"
        yield from self._pages(path, "registered_models", {"max_results": PAGE})

    def versions(self, name: str) -> list[dict[str, Any]]:
        quoted = name.replace("'", "\\'")
        path = "/api/2.0/mlflow/model-versions/search"
        found = list(self._pages(path, "model_versions", {"filter": f"name='{quoted}'"}))
        return sorted(found, key=lambda v: int(v["version"]))

    def run(self, run_id: str) -> dict[str, Any] | None:
        try:
            body = self._get("/api/2.0/mlflow/runs/get", {"run_id": run_id})
        except NotFound:
            return None
        run: dict[str, Any] = body["run"]
        return run

    def download_root(self, name: str, version: str) -> str:
        path = "/api/2.0/mlflow/model-versions/get-download-uri"
        uri = str(self._get(path, {"name": name, "version": version})["artifact_uri"])
        if not uri.startswith("mlflow-artifacts:"):
            raise InvalidArgument(
                f"{name} v{version}: files at {uri[:80]!r} are not served by the MLflow "
                "artifact proxy (start the MLflow server with --serve-artifacts)"
            )
        rest = uri[len("mlflow-artifacts:") :]
        if rest.startswith("//"):
            rest = rest[2:].partition("/")[2]
        return artifact_path(rest.strip("/"))

    def files(self, root: str) -> list[tuple[str, int]]:
        """Every file under ``root``, as (path relative to root, size)."""
        out: list[tuple[str, int]] = []
        pending = [""]
        while pending:
            sub = pending.pop()
            where = f"{root}/{sub}" if sub else root
            listing = self._get("/api/2.0/mlflow-artifacts/artifacts", {"path": where})
            for f in listing.get("files", []):
                rel = artifact_path(f"{sub}/{f['path']}" if sub else str(f["path"]))
                if f.get("is_dir"):
                    pending.append(rel)
                else:
                    out.append((rel, int(f.get("file_size", 0))))
            if len(out) > MAX_FILES:
                raise InvalidArgument(f"more than {MAX_FILES} files under {root!r}")
        return sorted(out)

    def fetch(self, root: str, rel: str, dest: Path) -> tuple[str, int]:
        """Download one file to ``dest``, hashing while streaming; (sha256, size)."""
        url = f"{self._base}/api/2.0/mlflow-artifacts/artifacts/{quote(f'{root}/{rel}')}"
        try:
            return _stream(self.http, url, rel, dest)
        except httpx.HTTPError as exc:
            detail = self._scrub(exc)
            raise Unavailable(f"reading {rel!r} from {self._base} failed: {detail}") from None


def _stream(http: httpx.Client, url: str, rel: str, dest: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with http.stream("GET", url) as r, dest.open("wb") as out:
        if r.status_code != 200:
            raise Unavailable(f"MLflow answered {r.status_code} for {rel!r}")
        for chunk in r.iter_bytes(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _secrets(url: str) -> list[str]:
    """What of ``url`` must not be shown: the URL itself, its userinfo and password, and
    its query and query values, as given and decoded."""
    parts = urlsplit(url)
    found = [url, parts.query, parts.netloc.rpartition("@")[0], parts.password or ""]
    found += [value for _, value in parse_qsl(parts.query)]
    return [s for s in dict.fromkeys([*found, *(unquote(f) for f in found)]) if s]
