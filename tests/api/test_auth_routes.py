"""Default deny: every route declares its access, and a role × route matrix holds."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI

from modelyard.api.access import (
    AUTHENTICATED,
    PUBLIC,
    ROUTE_ACCESS,
    Gate,
    declared,
    enforce,
    route_key,
)
from modelyard.api.app import ROUTERS, create_app
from modelyard.service.permissions import USE_CASES
from tests.api.auth_support import AuthServer, auth_server
from tests.api.support import sha

V, E, M, A = "viewer", "editor", "maintainer", "admin"
ORDER = (V, E, M, A)
WHO = (*ORDER, "anonymous", "disabled")


def app_routes() -> list[tuple[str, str, frozenset[str]]]:
    """(method, path, methods) of every route the app serves, FastAPI's own included."""
    out: list[tuple[str, str, frozenset[str]]] = []
    own = create_app(registry=object())  # type: ignore[arg-type]
    every = [r for router in ROUTERS for r in router.routes]
    every += [r for r in own.router.routes if hasattr(r, "path")]
    for route in every:
        methods = frozenset(getattr(route, "methods", None) or {"GET"}) - {"HEAD"} or {"HEAD"}
        for method in sorted(methods):
            out.append((method, getattr(route, "path", ""), frozenset(methods)))
    return out


def test_every_route_declares_its_access() -> None:
    missing = [f"{m} {p}" for m, p, ms in app_routes() if declared(m, p, ms) is None]
    assert not missing, f"add these routes to api/access.py ROUTE_ACCESS: {missing}"


def test_every_declared_route_exists() -> None:
    served = set()
    for method, path, methods in app_routes():
        served.add(route_key("*" if len(methods) >= 5 else method, path))
    assert set(ROUTE_ACCESS) - served == set()


@pytest.mark.parametrize("access", sorted(set(map(str, ROUTE_ACCESS.values()))))
def test_every_declared_use_case_is_in_the_permission_table(access: str) -> None:
    values = {str(v): v for v in ROUTE_ACCESS.values()}
    value = values[access]
    name = value.use_case if isinstance(value, Gate) else value
    assert name in USE_CASES or name in (PUBLIC, AUTHENTICATED)


def test_only_probes_and_the_api_description_are_public() -> None:
    public = {k for k, v in ROUTE_ACCESS.items() if v == PUBLIC}
    assert public == {
        "GET /healthz",
        "GET /readyz",
        "GET /openapi.json",
        "GET /docs",
        "GET /docs/oauth2-redirect",
        "GET /redoc",
    }


# the role × route matrix ----------------------------------------------------------------
@pytest.fixture(scope="module")
def authed(tmp_path_factory: pytest.TempPathFactory, store_template: Path) -> Iterator[AuthServer]:
    with auth_server(tmp_path_factory.mktemp("matrix"), store_template) as srv:
        yield srv


_names = count()
BLOB = b"matrix weights"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


def seeded(authed: AuthServer) -> str:
    """A model of its own for one cell, with version 1, made by the admin."""
    name = f"cell-{next(_names)}"
    response = authed.srv.create_version(name, {"model.bin": BLOB})
    assert response.status_code == 201, response.text
    return name


# (label, least role, method, url with {m} for the cell's model, JSON body)
CELLS: list[tuple[str, str, str, str, Any]] = [
    ("list models", V, "GET", "/api/v1/models", None),
    ("get model", V, "GET", "/api/v1/models/{m}", None),
    ("get version", V, "GET", "/api/v1/models/{m}/versions/1", None),
    ("search versions", V, "GET", "/api/v1/versions", None),
    ("model history", V, "GET", "/api/v1/models/{m}/history", None),
    ("audit of model", V, "GET", "/api/v1/audit?model={m}", None),
    ("get blob", V, "GET", f"/api/v1/blobs/sha256:{sha(BLOB)}", None),
    ("metrics", V, "GET", "/metrics", None),
    ("create model", E, "POST", "/api/v1/models", {"name": "{m}-new"}),
    ("describe model", E, "PATCH", "/api/v1/models/{m}", {"description": "d"}),
    ("tag model", E, "PUT", "/api/v1/models/{m}/tags/k", {"value": "v"}),
    ("tag version", E, "PUT", "/api/v1/models/{m}/versions/1/tags/k", {"value": "v"}),
    ("to staging", E, "POST", "/api/v1/models/{m}/versions/1/transition", {"stage": "Staging"}),
    ("set alias", E, "PUT", "/api/v1/models/{m}/aliases/champion", {"version": 1}),
    ("start run", E, "POST", "/api/v1/runs", {"experiment": "matrix"}),
    ("put blob", E, "PUT", f"/api/v1/blobs/sha256:{sha(b'x')}", b"x"),
    (
        "to production",
        M,
        "POST",
        "/api/v1/models/{m}/versions/1/transition",
        {"stage": "Production"},
    ),
    ("rename model", M, "PATCH", "/api/v1/models/{m}", {"name": "{m}-renamed"}),
    ("delete version", M, "DELETE", "/api/v1/models/{m}/versions/1", None),
    ("delete model", M, "DELETE", "/api/v1/models/{m}", None),
    ("whole audit", V, "GET", "/api/v1/audit", None),
    ("fsck", A, "POST", "/api/v1/fsck", {}),
    ("mlflow get model", V, "GET", "/api/2.0/mlflow/registered-models/get?name={m}", None),
    ("mlflow search", V, "GET", "/ajax-api/2.0/mlflow/model-versions/search", None),
    ("mlflow server info", V, "GET", "/api/3.0/mlflow/server-info", None),
    (
        "mlflow artifacts",
        V,
        "GET",
        ARTIFACTS + "?path=modelyard-models/{m}/1",
        None,
    ),
    (
        "mlflow create model",
        E,
        "POST",
        "/api/2.0/mlflow/registered-models/create",
        {"name": "{m}-ml"},
    ),
    (
        "mlflow to production",
        M,
        "POST",
        "/api/2.0/mlflow/model-versions/transition-stage",
        {"name": "{m}", "version": "1", "stage": "Production", "archive_existing_versions": False},
    ),
    ("mlflow unknown endpoint", V, "GET", "/api/2.0/mlflow/not-a-thing", None),
    ("audit head", V, "GET", "/api/v1/audit/head", None),
    ("own tokens", V, "GET", "/api/v1/tokens", None),
    ("create own token", V, "POST", "/api/v1/tokens", {"name": "mine"}),
    ("verify audit", A, "GET", "/api/v1/audit/verify", None),
    ("list users", A, "GET", "/api/v1/users", None),
    ("create user", A, "POST", "/api/v1/users", {"name": "{m}-u"}),
    (
        "set grant",
        A,
        "POST",
        "/api/v1/grants",
        {"user": "nobody", "role": "viewer", "model": "{m}"},
    ),
    ("list all grants", A, "GET", "/api/v1/grants", None),
    ("model settings", V, "GET", "/api/v1/models/{m}/settings", None),
    ("protect an alias", M, "PATCH", "/api/v1/models/{m}/settings", {"protect": ["prod"]}),
    ("list approvals", V, "GET", "/api/v1/approvals", None),
    ("version approvals", V, "GET", "/api/v1/models/{m}/versions/1/approvals", None),
    ("expire approvals", A, "POST", "/api/v1/approvals/expire", {}),
]


def _fill(value: Any, name: str) -> Any:
    if isinstance(value, str):
        return value.replace("{m}", name)
    if isinstance(value, dict):
        return {k: _fill(v, name) for k, v in value.items()}
    return value


def _send(authed: AuthServer, who: str, cell: tuple[str, str, str, str, Any]) -> Any:
    _label, _least, method, url, body = cell
    name = seeded(authed)
    kw: dict[str, Any] = {"headers": authed.as_(who)}
    if isinstance(body, bytes):
        kw["content"] = body
    elif body is not None:
        kw["json"] = _fill(body, name)
    return authed.http.request(method, _fill(url, name), **kw)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("cell", CELLS, ids=[c[0] for c in CELLS])
def test_role_route_matrix(
    authed: AuthServer, cell: tuple[str, str, str, str, Any], who: str
) -> None:
    response = _send(authed, who, cell)
    mlflow = "mlflow" in cell[3]
    if who in ("anonymous", "disabled"):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
        code = response.json()["error_code" if mlflow else "error"]
        assert (code if mlflow else code["code"]) == "UNAUTHENTICATED"
    elif ORDER.index(who) >= ORDER.index(cell[1]):
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403, response.text
        body = response.json()
        assert (body["error_code"] if mlflow else body["error"]["code"]) == "PERMISSION_DENIED"


def test_route_without_an_entry_is_denied_even_to_an_admin(authed: AuthServer) -> None:
    extra = APIRouter()

    @extra.get("/api/v1/undeclared")
    def undeclared() -> dict[str, str]:
        return {"leaked": "yes"}

    app = authed.http.app
    assert isinstance(app, FastAPI)
    app.include_router(extra, dependencies=[Depends(enforce)])
    response = authed.http.get("/api/v1/undeclared", headers=authed.as_("admin"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"


def test_editor_cannot_grant_itself_maintainer_over_rest(authed: AuthServer) -> None:
    body = {"user": "editor-user", "role": "maintainer"}
    response = authed.http.post("/api/v1/grants", json=body, headers=authed.as_("editor"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    mine = authed.http.get(
        "/api/v1/grants", params={"user": "editor-user"}, headers=authed.as_("editor")
    )
    assert [g["role"] for g in mine.json()["grants"]] == ["editor"]
