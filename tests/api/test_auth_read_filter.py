"""Reads are filtered in SQL: a caller sees only what it may read, and paging stays right
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from modelyard.api.auth import AuthConfig
from modelyard.service import identity
from tests.api.auth_support import SETUP, AuthServer, add_user, auth_server
from tests.conftest import postgres_schema

MODELS = ("a-secret", "fraud-1", "fraud-2", "fraud-3", "z-secret")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def team(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store_template: Path
) -> Iterator[tuple[AuthServer, dict[str, str]]]:
    """A server holding five models (version 1 each) and a viewer of ``fraud-*`` only."""
    with ExitStack() as stack:
        db = None
        if request.param == "postgres":
            request.getfixturevalue("postgres_available")
            db = stack.enter_context(postgres_schema())
        root = tmp_path_factory.mktemp(f"filter-{request.param}")
        srv = stack.enter_context(auth_server(root, store_template, db, AuthConfig(True)))
        for name in MODELS:
            assert srv.srv.create_version(name, {"m.bin": b"w"}).status_code == 201
        token = add_user(srv.srv.registry, "fraud-team", None)
        identity.set_grant(
            srv.srv.registry.context, SETUP, "fraud-team", "viewer", prefix="fraud-*"
        )
        yield srv, {"Authorization": f"Bearer {token}"}


def pages(srv: AuthServer, url: str, key: str, headers: dict[str, str]) -> list[list[Any]]:
    """Every page of a listing, two items a page (bounded)."""
    out: list[list[Any]] = []
    params: dict[str, Any] = {"max_results": 2}
    for _ in range(10):
        body = srv.http.get(url, params=params, headers=headers).json()
        out.append(body.get(key, []))
        if not body.get("next_page_token"):
            return out
        params["page_token"] = body["next_page_token"]
    raise AssertionError("paging did not end")


def test_model_listing_pages_over_readable_models_only(
    team: tuple[AuthServer, dict[str, str]],
) -> None:
    srv, viewer = team
    got = pages(srv, "/api/v1/models", "models", viewer)
    assert [[m["name"] for m in page] for page in got] == [["fraud-1", "fraud-2"], ["fraud-3"]]


def test_version_search_shows_readable_models_only(
    team: tuple[AuthServer, dict[str, str]],
) -> None:
    srv, viewer = team
    got = pages(srv, "/api/v1/versions", "versions", viewer)
    assert sorted(v["name"] for page in got for v in page) == ["fraud-1", "fraud-2", "fraud-3"]
    assert [len(page) for page in got] == [2, 1]


def test_mlflow_search_shows_readable_models_only(
    team: tuple[AuthServer, dict[str, str]],
) -> None:
    srv, viewer = team
    url = "/api/2.0/mlflow/registered-models/search"
    got = pages(srv, url, "registered_models", viewer)
    assert [m["name"] for page in got for m in page] == ["fraud-1", "fraud-2", "fraud-3"]


def test_unreadable_model_is_not_found_like_a_missing_one(
    team: tuple[AuthServer, dict[str, str]],
) -> None:
    srv, viewer = team
    hidden = srv.http.get("/api/v1/models/a-secret", headers=viewer)
    missing = srv.http.get("/api/v1/models/no-such-model", headers=viewer)
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"]


def test_admin_sees_every_model(team: tuple[AuthServer, dict[str, str]]) -> None:
    srv, _ = team
    got = pages(srv, "/api/v1/models", "models", srv.as_("admin"))
    assert [m["name"] for page in got for m in page] == list(MODELS)
