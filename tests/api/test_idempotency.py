"""Idempotency-Key on mutating /api/v1 requests, through the real app in-process."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from modelyard.service import idempotency, models
from tests.api.conftest import USER
from tests.api.support import Server, assert_error

ROLLBACK = "/api/v1/models/Fraud/rollback"
WAIT = 60.0  # seconds; only a hang reaches it


def _two_productions(server: Server) -> None:
    for content in (b"one", b"two"):
        assert server.create_version("Fraud", {"m": content}).status_code == 201
    for number in (1, 2):
        url = f"/api/v1/models/Fraud/versions/{number}/transition"
        assert server.http.post(url, json={"stage": "Production"}).status_code == 200


def _production(server: Server) -> list[int]:
    found = server.http.get("/api/v1/versions", params={"filter": "stage = 'Production'"})
    return [v["version"] for v in found.json()["versions"]]


def _rollback(server: Server, key: str | None, comment: str = "bad deploy") -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return server.http.post(ROLLBACK, json={"comment": comment}, headers=headers)


def test_rollback_replayed_with_same_key_returns_first_response(server: Server) -> None:
    _two_productions(server)
    first = _rollback(server, "rb-1")
    events = server.snapshot().audit_events
    again = _rollback(server, "rb-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert (_production(server), server.snapshot().audit_events) == ([1], events)


def test_rollback_without_key_runs_every_time(server: Server) -> None:
    _two_productions(server)
    assert _rollback(server, None).status_code == 200
    assert _rollback(server, None).status_code == 200
    assert _production(server) == [2]  # the second rollback undid the first, as before


def test_same_key_with_other_body_is_refused_and_changes_nothing(server: Server) -> None:
    _two_productions(server)
    assert _rollback(server, "rb-1").status_code == 200
    before = server.snapshot()
    assert_error(_rollback(server, "rb-1", "other"), 409, "IDEMPOTENCY_KEY_REUSED")
    assert server.snapshot() == before


def test_same_key_from_other_user_is_a_new_request(server: Server) -> None:
    _two_productions(server)
    assert _rollback(server, "rb-1").status_code == 200
    other = server.http.post(
        ROLLBACK, json={}, headers={"Idempotency-Key": "rb-1", "X-Modelyard-User": "bob"}
    )
    assert other.status_code == 200 and "idempotent-replayed" not in other.headers


def test_bad_key_returns_400_and_changes_nothing(server: Server) -> None:
    _two_productions(server)
    for key in ("", "k" * 129, "a b", "ключ"):
        headers = {"Idempotency-Key": key.encode()}
        server.refuses("POST", ROLLBACK, 400, "INVALID_ARGUMENT", json={}, headers=headers)


def test_failed_request_claims_nothing_so_retry_runs(server: Server) -> None:
    headers = {"Idempotency-Key": "mk-1"}
    assert_error(server.http.patch("/api/v1/models/Fraud", json={}, headers=headers), 404)
    created = server.http.post("/api/v1/models", json={"name": "Fraud"}, headers=headers)
    assert created.status_code == 201  # same key, other request: the failure held no claim


def test_claimed_key_without_answer_returns_409_request_in_progress(server: Server) -> None:
    _two_productions(server)
    body = b'{"comment":"bad deploy"}'
    key = idempotency.request_key("rb-1", "POST", ROLLBACK, "", body, "crashed-attempt")
    ctx = server.registry.context.as_actor(USER).with_request_key(key)
    models.update_model(ctx, "Fraud", "applied, then the process died before answering")
    before = server.snapshot()
    response = server.http.post(
        ROLLBACK,
        content=body,
        headers={"Idempotency-Key": "rb-1", "Content-Type": "application/json"},
    )
    assert_error(response, 409, "REQUEST_IN_PROGRESS")
    assert server.snapshot() == before


def test_concurrent_duplicates_apply_once(server: Server) -> None:
    _two_productions(server)
    start = threading.Barrier(2, timeout=WAIT)
    answers: list[Any] = []

    def send() -> None:
        start.wait()
        answers.append(_rollback(server, "rb-1"))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    trail = server.http.get("/api/v1/audit", params={"model": "Fraud"}).json()["events"]
    assert [e["action"] for e in trail].count("model.rollback") == 1
    assert _production(server) == [1]
