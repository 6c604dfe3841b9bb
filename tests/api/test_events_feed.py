"""GET /api/v1/events: the pull feed in-process, over SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from modelyard.api.auth import AuthConfig
from modelyard.service import identity, models, stages
from tests.api.auth_support import SETUP, AuthServer, add_user, auth_server
from tests.api.conftest import open_server
from tests.api.support import Server, assert_error
from tests.conftest import postgres_schema

URL = "/api/v1/events"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def feed_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, store_template: Path
) -> Iterator[Server]:
    """fraud v1 (in Production) and churn v1; tests that write add to churn only."""
    with ExitStack() as stack:
        db = None
        if request.param == "postgres":
            request.getfixturevalue("postgres_available")
            db = stack.enter_context(postgres_schema())
        root = tmp_path_factory.mktemp(f"feed-{request.param}")
        srv = stack.enter_context(open_server(root, store_template, db))
        for name in ("fraud", "churn"):
            assert srv.create_version(name, {"m.bin": name.encode()}).status_code == 201
        stages.transition_stage(srv.registry.context, "fraud", 1, "Production")
        yield srv


def _get(srv: Server, **params: Any) -> dict[str, Any]:
    response = srv.http.get(URL, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _head(srv: Server) -> int:
    return int(_get(srv, after=0, type="*")["next"])


def test_events_with_events_waiting_answer_at_once(feed_server: Server) -> None:
    body = _get(feed_server, after=0, wait=30)
    seqs = [e["seq"] for e in body["events"]]
    assert seqs and seqs == sorted(seqs) and body["next"] >= seqs[-1]


def test_events_filtered_by_model_and_type_answer_only_those(feed_server: Server) -> None:
    body = _get(feed_server, after=0, model="fraud", type="stage.transitioned")
    assert [(e["model"], e["version"], e["after"]["stage"]) for e in body["events"]] == [
        ("fraud", 1, "Production")
    ]
    version = feed_server.http.get("/api/v1/models/fraud/versions/1").json()
    assert body["events"][0]["manifest_digest"] == version["manifest_digest"]


def test_events_after_the_head_wait_and_answer_empty(feed_server: Server) -> None:
    head = _head(feed_server)
    assert _get(feed_server, after=head, wait=0.3) == {"events": [], "next": head}


def test_events_waiting_answer_an_event_written_meanwhile(feed_server: Server) -> None:
    head = _head(feed_server)
    answer: list[dict[str, Any]] = []
    poller = threading.Thread(target=lambda: answer.append(_get(feed_server, after=head, wait=20)))
    poller.start()
    models.set_model_tag(feed_server.registry.context, "churn", "poll", "1")
    poller.join(timeout=30)
    assert not poller.is_alive()
    assert [(e["type"], e["model"]) for e in answer[0]["events"]] == [("tag.set", "churn")]


@pytest.mark.parametrize(
    "params",
    [
        {"after": -1},
        {"after": "1.5"},
        {"after": "ten"},
        {"after": 2**63},
        {"after": "9" * 400},
        {"after": 10**9},  # beyond the head
        {"after": 0, "type": "stage.moved"},
        {"after": 0, "type": ""},
        {"after": 0, "wait": -1},
        {"after": 0, "wait": 31},
        {"after": 0, "wait": "inf"},
        {"after": 0, "model": "../x"},
    ],
)
def test_events_with_bad_input_answer_400(feed_server: Server, params: dict[str, Any]) -> None:
    assert_error(feed_server.http.get(URL, params=params), 400, "INVALID_ARGUMENT")


@pytest.fixture(scope="module")
def guarded(
    tmp_path_factory: pytest.TempPathFactory, store_template: Path
) -> Iterator[tuple[AuthServer, dict[str, str]]]:
    """Auth on: models a and b, and a viewer of a only."""
    root = tmp_path_factory.mktemp("feed-auth")
    with auth_server(root, store_template, None, AuthConfig(True)) as srv:
        for name in ("a", "b"):
            assert srv.srv.create_version(name, {"m.bin": name.encode()}).status_code == 201
        token = add_user(srv.srv.registry, "a-team", None)
        identity.set_grant(srv.srv.registry.context, SETUP, "a-team", "viewer", model="a")
        yield srv, {"Authorization": f"Bearer {token}"}


def test_events_for_a_viewer_of_one_model_show_only_it(
    guarded: tuple[AuthServer, dict[str, str]],
) -> None:
    srv, viewer = guarded
    response = srv.http.get(URL, params={"after": 0}, headers=viewer)
    assert response.status_code == 200
    assert {e["model"] for e in response.json()["events"]} == {"a"}


def test_events_of_a_model_the_viewer_may_not_read_answer_404(
    guarded: tuple[AuthServer, dict[str, str]],
) -> None:
    srv, viewer = guarded
    response = srv.http.get(URL, params={"after": 0, "model": "b"}, headers=viewer)
    assert_error(response, 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("nogrant", 403)])
def test_events_without_a_grant_are_refused(
    guarded: tuple[AuthServer, dict[str, str]], who: str, status: int
) -> None:
    srv, _ = guarded
    assert_error(srv.http.get(URL, params={"after": 0}, headers=srv.as_(who)), status)
