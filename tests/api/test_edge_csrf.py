"""Cross-site request forgery: no request a browser can send without a preflight changes state.

The sweep walks the app's own route table, so a route added later is covered without anyone
remembering to list it. "Nothing changed" means every row of every table and every stored
file is as before.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from starlette.routing import BaseRoute, Mount
from starlette.websockets import WebSocketDisconnect

from modelyard.api.app import create_app
from modelyard.bootstrap import Runtime, build
from modelyard.config import Settings
from modelyard.errors import CrossSiteRequest, error_for_code
from tests.api.support import files_body, sha

SAFE = {"GET", "HEAD", "OPTIONS"}
JSON = {"Content-Type": "application/json"}
EVIL = "https://evil.example"
# a value for each path parameter that names something the store holds
VALUES = {
    "name": "Fraud",
    "version": "1",
    "key": "team",
    "alias": "champion",
    "ref": f"sha256:{sha(b'weights')}",
    "path": "runs/r1/model.bin",
    "rest": "anything",
    "model_id": "m-1",
}
MLFLOW = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow", "/api/3.0/mlflow")


class Store:
    def __init__(self, http: TestClient, registry: Runtime, root: Path) -> None:
        self.http, self.registry, self.root = http, registry, root

    def snapshot(self) -> tuple[str, frozenset[str]]:
        """A digest of every row of every table, and every file under the store."""
        digest = hashlib.sha256()
        with self.registry.engine.connect() as conn:
            for table in sorted(inspect(conn).get_table_names()):
                rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
                digest.update(f"{table}:{sorted(map(repr, rows))}".encode())
        files = frozenset(str(p) for p in self.root.rglob("*") if "registry.db" not in p.name)
        return digest.hexdigest(), files


def _seed(http: TestClient) -> None:
    data = b"weights"
    assert http.put(f"/api/v1/blobs/sha256:{sha(data)}", content=data).status_code == 201
    for _ in range(2):
        body = files_body({"model.bin": data})
        assert http.post("/api/v1/models/Fraud/versions", json=body).status_code == 201
    for version in (1, 2):
        url = f"/api/v1/models/Fraud/versions/{version}/transition"
        assert http.post(url, json={"stage": "Production"}).status_code == 200
    assert http.put("/api/v1/models/Fraud/aliases/champion", json={"version": 2}).is_success


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Store]]:
    """Fraud v1 and v2, v2 in Production after v1 (so a rollback would change something)."""
    root = tmp_path_factory.mktemp("csrf")
    registry = build(Settings(home=root / "store", db=None, artifacts=None, uri=None, user=None))
    app = create_app(registry=registry)
    try:
        with TestClient(app, raise_server_exceptions=False) as http:
            _seed(http)
            yield app, Store(http, registry, root)
    finally:
        registry.close()


@pytest.fixture(scope="module")
def store(app: tuple[FastAPI, Store]) -> Store:
    return app[1]


def _leaves(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every endpoint, descending into included routers and mounts."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _leaves(inner.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        elif isinstance(route, Mount):
            yield prefix + route.path + "/x", {"POST", "PUT", "PATCH", "DELETE"}
        else:
            path = getattr(route, "path", None)
            methods = getattr(route, "methods", None)
            if path is not None:
                yield prefix + path, set(methods or {"POST", "PUT", "PATCH", "DELETE"})


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: VALUES.get(m.group(1), "x"), path)


def state_changing(app: FastAPI) -> list[tuple[str, str]]:
    out = {(m, _url(p)) for p, methods in _leaves(app.routes) for m in methods - SAFE}
    # no route matches this one: the guard must run before routing
    out |= {("POST", "/api/v9/future"), ("DELETE", "/api/v9/future")}
    return sorted(out)


def assert_refused(response: httpx.Response, path: str) -> None:
    assert response.status_code == 403, (path, response.status_code, response.text[:200])
    body = response.json()
    if path.startswith(MLFLOW):
        assert body["error_code"] == "PERMISSION_DENIED", body
    else:
        assert body["error"]["code"] == "CROSS_SITE_REQUEST", body


def hostile_variants(method: str) -> list[dict[str, Any]]:
    """The requests a page on another site can make the browser send to this server."""
    as_json = {"content": b'{"name": "Evil", "stage": "Production"}', "headers": JSON}
    variants: list[dict[str, Any]] = [
        {**as_json, "headers": {**JSON, "Origin": EVIL}},
        {**as_json, "headers": {**JSON, "Sec-Fetch-Site": "cross-site"}},
    ]
    if method == "POST":
        variants += [
            {"content": b'{"name": "Evil"}', "headers": {"Content-Type": "text/plain"}},
            {"data": {"name": "Evil", "stage": "Production"}},  # a form POST
            {"content": b""},  # an empty form or beacon
        ]
    return variants


def test_every_state_changing_route_refuses_cross_site_requests(
    app: tuple[FastAPI, Store],
) -> None:
    fastapi_app, store = app
    routes = state_changing(fastapi_app)
    assert len(routes) > 40  # the walk found the MLflow and v1 surfaces, not just a few
    before = store.snapshot()

    for method, url in routes:
        for kw in hostile_variants(method):
            assert_refused(store.http.request(method, url, **kw), url)

    assert store.snapshot() == before


def test_text_plain_post_to_mlflow_create_returns_403_and_creates_nothing(store: Store) -> None:
    before = store.snapshot()

    response = store.http.post(
        "/api/2.0/mlflow/registered-models/create",
        content=b'{"name": "Planted"}',
        headers={"Content-Type": "text/plain"},
    )

    assert_refused(response, "/api/2.0/mlflow")
    assert store.snapshot() == before


@pytest.mark.parametrize("prefix", ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"])
def test_transition_stage_in_query_string_with_empty_form_post_returns_403(
    store: Store, prefix: str
) -> None:
    before = store.snapshot()
    query = "?name=Fraud&version=1&stage=Archived&archive_existing_versions=false"

    response = store.http.post(
        f"{prefix}/model-versions/transition-stage{query}",
        content=b"",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert_refused(response, prefix)
    assert store.snapshot() == before


def test_transition_stage_ignores_query_string_of_a_json_post(store: Store) -> None:
    before = store.snapshot()
    query = "?name=Fraud&version=1&stage=Archived"

    response = store.http.post(
        f"/api/2.0/mlflow/model-versions/transition-stage{query}", content=b"", headers=JSON
    )

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert store.snapshot() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/registered-models/delete?name=Fraud"),
        ("PATCH", "/registered-models/update?name=Fraud&description=planted"),
    ],
)
def test_mlflow_write_ignores_query_string_with_empty_body(
    store: Store, method: str, path: str
) -> None:
    before = store.snapshot()

    response = store.http.request(method, f"/api/2.0/mlflow{path}")

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert store.snapshot() == before


@pytest.mark.parametrize("url", ["/api/v1/models/Fraud/rollback", "/api/v1/fsck"])
@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_bodiless_post_without_json_returns_403(
    store: Store, url: str, content_type: str | None
) -> None:
    before = store.snapshot()
    headers = {"Content-Type": content_type} if content_type else {}

    assert_refused(store.http.post(url, content=b"", headers=headers), url)
    assert store.snapshot() == before


@pytest.mark.parametrize(
    "origin",
    [
        EVIL,
        "http://testserver:8080",  # another port of the same host: same-site, not same-origin
        "https://testserver",  # another scheme
        "http://sub.testserver",
        "null",  # sandboxed frames and file: pages
        "garbage",
    ],
)
def test_post_from_foreign_origin_returns_403(store: Store, origin: str) -> None:
    before = store.snapshot()

    response = store.http.post(
        "/api/v1/models", json={"name": "Planted"}, headers={"Origin": origin}
    )

    assert_refused(response, "/api/v1/models")
    assert store.snapshot() == before


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE", "bogus"])
def test_delete_with_foreign_fetch_site_returns_403(store: Store, site: str) -> None:
    before = store.snapshot()

    response = store.http.delete(
        "/api/v1/models/Fraud/aliases/champion", headers={"Sec-Fetch-Site": site}
    )

    assert_refused(response, "/api/v1/models")
    assert store.snapshot() == before


def test_blob_put_from_foreign_origin_stores_nothing(store: Store) -> None:
    before = store.snapshot()
    data = b"planted bytes"

    response = store.http.put(
        f"/api/v1/blobs/sha256:{sha(data)}", content=data, headers={"Origin": EVIL}
    )

    assert_refused(response, "/api/v1/blobs")
    assert store.snapshot() == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver"},
        {"Origin": "http://testserver:80"},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Content-Type": "application/json; charset=utf-8"},
        {"Content-Type": "application/merge-patch+json"},
    ],
)
def test_same_origin_json_post_is_served(store: Store, headers: dict[str, str]) -> None:
    response = store.http.post(
        "/api/v1/blobs/missing", content=b'{"digests": []}', headers={**JSON, **headers}
    )

    assert (response.status_code, response.json()) == (200, {"missing": []})


def test_bodiless_json_post_reaches_the_route(store: Store) -> None:
    response = store.http.post("/api/v1/fsck", content=b"", headers=JSON)

    assert (response.status_code, response.json()["ok"]) == (200, True)


def test_no_get_route_changes_state(app: tuple[FastAPI, Store]) -> None:
    fastapi_app, store = app
    gets = sorted({_url(p) for p, methods in _leaves(fastapi_app.routes) if "GET" in methods})
    before = store.snapshot()

    for url in gets:
        response = store.http.get(url, params={"name": "Fraud", "version": "1"})
        assert response.status_code < 500, (url, response.text[:200])

    assert store.snapshot() == before


def test_websocket_from_foreign_origin_is_closed_as_policy_violation(store: Store) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        store.http.websocket_connect("/api/v1/anything", headers={"Origin": EVIL}),
    ):
        pass

    assert closed.value.code == 1008


def test_cross_site_request_code_maps_back_to_its_class() -> None:
    err = error_for_code("CROSS_SITE_REQUEST", "x")

    assert isinstance(err, CrossSiteRequest) and err.http_status == 403
