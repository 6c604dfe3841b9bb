"""The bad-path corpus against every MLflow artifact route: refused, nothing written."""

from __future__ import annotations

import hashlib
import http.client
import json
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

ROOTS = ("/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts")

# request-target spellings, sent byte for byte (no client-side normalisation)
CORPUS = [
    "../../etc/passwd",
    "a/../../b",
    "a/./../../b",
    "....//....//",
    ".",
    "..",
    "",
    "a//b",
    "a/",
    "/etc/passwd",
    "C:/Windows/win.ini",
    "C:%5Cx",
    "%5C%5Chost%5Cshare%5Cx",
    "%2e%2e%2f",
    "%2E%2E/",
    "..%2f",
    "%252e%252e%252f",
    "%25252e",
    "%c0%ae%c0%ae/",
    "..%5c",
    "%EF%BC%8E%EF%BC%8E%EF%BC%8F",
    "%00",
    "x%23/../../",
    "a%3f/../../",
    "x;/../../",
    "x%3B/../../",
    "%5C..%5C..%5Cx",
    "a%0Ab",
    "a%0Db",
    "a%1Bb",
    "a%7Fb",
    "a" * 4100,
    "/".join(["d"] * 100) + "/f",
]


def _send(url: str, method: str, target: str, body: bytes | None = None) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body or b"")
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _files(home: Path) -> set[str]:
    return {
        str(p.relative_to(home.parent))
        for p in home.parent.rglob("*")
        if p.is_file() and not p.name.endswith((".log", ".db", ".db-wal", ".db-shm", "-journal"))
    }


def _refused(status: int, body: bytes) -> None:
    assert 400 <= status < 500, (status, body[:200])
    if body.startswith(b"{"):
        assert "error_code" in json.loads(body) or "error" in json.loads(body)


@pytest.mark.parametrize("root", ROOTS)
@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_bad_paths_are_refused_and_nothing_is_written(
    store: tuple[str, Path], root: str, method: str
) -> None:
    url, home = store
    before = _files(home)
    for bad in CORPUS:
        for target in (f"{root}/{bad}", f"{root}/0/{uuid.uuid4().hex}/artifacts/{bad}"):
            status, body = _send(url, method, target, b"evil" if method == "PUT" else None)
            _refused(status, body)
    assert _files(home) == before
    assert httpx.get(f"{url}/readyz").status_code == 200


@pytest.mark.parametrize("root", ROOTS)
def test_bad_list_paths_are_refused(store: tuple[str, Path], root: str) -> None:
    url, _ = store
    for bad in CORPUS:
        if not bad:
            continue
        status, body = _send(url, "GET", f"{root}?path={quote(bad, safe='%/')}")
        _refused(status, body)


def test_upload_into_registered_versions_is_refused(store: tuple[str, Path]) -> None:
    url, home = store
    before = _files(home)
    status, body = _send(url, "PUT", f"{ROOTS[0]}/modelyard-models/X/1/MLmodel", b"evil")
    assert status == 400 and json.loads(body)["error_code"] == "INVALID_PARAMETER_VALUE"
    assert _files(home) == before


def test_bad_logged_model_ids_are_refused(store: tuple[str, Path]) -> None:
    url, _ = store
    for bad in ("..%2F..%2Fetc", "m-..", "m-" + "0" * 31 + "g", "%2e%2e"):
        status, body = _send(url, "GET", f"/api/2.0/mlflow/logged-models/{bad}")
        _refused(status, body)


@pytest.mark.parametrize(
    "source",
    [
        "runs:/{run}/../../..",
        "runs:/{run}/%2e%2e/x",
        "mlflow-artifacts:/../../x",
        "mlflow-artifacts:/0/{run}/artifacts/../../../etc",
        "mlflow-artifacts:/modelyard-models/X/1",
        " file:///etc/passwd",
        "models:/m-" + "0" * 32,
    ],
)
def test_version_sources_outside_our_records_are_refused(
    store: tuple[str, Path], source: str
) -> None:
    url, home = store
    run = httpx.post(f"{url}/api/2.0/mlflow/runs/create", json={"experiment_id": "0"})
    run_id = run.json()["run"]["info"]["run_id"]
    name = f"Src{uuid.uuid4().hex[:8]}"
    httpx.post(f"{url}/api/2.0/mlflow/registered-models/create", json={"name": name})
    before = _files(home)
    r = httpx.post(
        f"{url}/api/2.0/mlflow/model-versions/create",
        json={"name": name, "source": source.format(run=run_id)},
    )
    assert r.status_code in (400, 404), r.text
    assert r.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST")
    assert _files(home) == before


def test_file_source_is_recorded_but_never_read(store: tuple[str, Path]) -> None:
    url, _ = store
    name = f"Src{uuid.uuid4().hex[:8]}"
    httpx.post(f"{url}/api/2.0/mlflow/registered-models/create", json={"name": name})
    r = httpx.post(
        f"{url}/api/2.0/mlflow/model-versions/create",
        json={"name": name, "source": "file:///etc/passwd"},
    )
    assert r.status_code == 200
    listed = httpx.get(f"{url}{ROOTS[0]}", params={"path": f"modelyard-models/{name}/1"}).json()
    assert listed == {"files": []}


def test_tampered_blob_breaks_the_download(store: tuple[str, Path]) -> None:
    url, home = store
    data = uuid.uuid4().bytes * 4096
    path = f"0/{uuid.uuid4().hex}/artifacts/weights.bin"
    assert httpx.put(f"{url}{ROOTS[0]}/{path}", content=data).status_code == 200
    assert httpx.get(f"{url}{ROOTS[0]}/{path}").content == data
    digest = hashlib.sha256(data).hexdigest()
    blob = home / "artifacts" / "blobs" / "sha256" / digest[:2] / digest
    blob.chmod(0o644)
    blob.write_bytes(b"X" + data[1:])
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}{ROOTS[0]}/{path}").raise_for_status()
