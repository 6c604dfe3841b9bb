"""Helpers for the REST API tests: an in-process server over a store in a private folder."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from modelyard.bootstrap import Runtime
from modelyard.service.audit import verify_chain

HEX64 = re.compile(r"[0-9a-f]{64}")
DB_FILES = frozenset({"registry.db", "registry.db-wal", "registry.db-shm", "registry.db-journal"})
_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def seg(value: str) -> str:
    """Percent-encode every byte but [A-Za-z0-9_-], dots included, so httpx cannot fold
    ``.``/``..`` segments away and the server sees exactly ``value`` once decoded."""
    return "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in value.encode("utf-8"))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_body(files: dict[str, bytes]) -> dict[str, Any]:
    return {"files": [{"path": p, "size": len(d), "sha256": sha(d)} for p, d in files.items()]}


def assert_error(response: httpx.Response, status: int | set[int], code: str | None = None) -> None:
    """A 4xx with the one error shape: {"error": {"code", "message"}}, and no traceback."""
    allowed = {status} if isinstance(status, int) else status
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text and 'File "' not in response.text
    if response.request.method == "HEAD":
        return
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert re.fullmatch(r"[A-Z_]+", body["error"]["code"])
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body


@dataclass(frozen=True)
class Snapshot:
    audit_events: int
    files: frozenset[str]


@dataclass
class Server:
    http: TestClient
    root: Path  # the test's own folder: it must hold only the store
    store: Path
    registry: Runtime

    @property
    def artifacts(self) -> Path:
        return self.store / "artifacts"

    def put_blob(self, data: bytes) -> str:
        digest = sha(data)
        response = self.http.put(f"/api/v1/blobs/sha256:{digest}", content=data)
        assert response.status_code == 201, response.text
        return digest

    def create_version(self, name: str, files: dict[str, bytes], **extra: Any) -> httpx.Response:
        for data in files.values():
            self.put_blob(data)
        body = {**files_body(files), **extra}
        return self.http.post(f"/api/v1/models/{seg(name)}/versions", json=body)

    def snapshot(self) -> Snapshot:
        """Every audited change and every file the store holds (the database aside)."""
        files = frozenset(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if not (p.parent == self.store and p.name in DB_FILES)
        )
        return Snapshot(verify_chain(self.registry.context), files)

    def assert_contained(self) -> None:
        """Nothing outside the store, only 64-hex blobs, no upload left in tmp/, still alive."""
        assert sorted(p.name for p in self.root.iterdir()) == [self.store.name]
        blobs = self.artifacts / "blobs" / "sha256"
        for path in blobs.rglob("*"):
            if path.is_dir():
                assert path.parent == blobs and re.fullmatch(r"[0-9a-f]{2}", path.name), path
            else:
                assert HEX64.fullmatch(path.name) and path.parent.name == path.name[:2], path
        assert list((self.artifacts / "tmp").iterdir()) == []
        assert self.http.get("/healthz").status_code == 200

    def refuses(
        self,
        method: str,
        url: str,
        status: int | set[int] = 400,
        code: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Send a hostile request: a clear 4xx, nothing changed, nothing written, still up."""
        before = self.snapshot()
        response = self.http.request(method, url, **kw)
        assert_error(response, status, code)
        assert self.snapshot() == before
        self.assert_contained()
        return response
