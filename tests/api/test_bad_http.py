"""Hostile HTTP: page sizes, page tokens, malformed or huge JSON, too many or too big tags."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from modelyard.api.limits import MAX_JSON_BODY
from tests.api.support import Server, files_body

LISTS = ["/api/v1/models", "/api/v1/versions", "/api/v1/models/Fraud/versions", "/api/v1/audit"]
JSON = {"Content-Type": "application/json"}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "size",
    ["0", "-1", str(10**12), "abc", "", "1.5", "1e3", "0x10", "NaN", "1001", "9" * 400, "1 OR 1=1"],
)
def test_bad_max_results_returns_400(hostile: Server, url: str, size: str) -> None:
    hostile.refuses("GET", url, 400, "INVALID_ARGUMENT", params={"max_results": size})


FORGED_TOKENS = [
    "!!!",
    "garbage",
    "AAAA",
    b64(b"{}"),
    b64(b"null"),
    b64(b"[]"),
    b64(b"\xff\xfe"),
    b64(b'{"o": -1, "q": "x"}'),
    b64(b'{"o": 10000000000000, "q": "x"}'),
    b64(b'{"o": "5", "q": "x"}'),
    b64(b'{"o": true, "q": "x"}'),
    b64(b'{"o": 5}'),
    b64(b'{"o": 5, "q": "0000000000000000"}'),
    b64(b'{"o": 1e400, "q": "x"}'),
    b64(b"[" * 10_000),
    "A" * 10_000,
    "%00",
    "../../etc/passwd",
]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("token", FORGED_TOKENS, ids=range(len(FORGED_TOKENS)))
def test_forged_or_garbled_page_token_returns_400(hostile: Server, url: str, token: str) -> None:
    hostile.refuses("GET", url, 400, "INVALID_ARGUMENT", params={"page_token": token})


def test_page_token_of_another_query_returns_400(hostile: Server) -> None:
    hostile.http.post("/api/v1/models", json={"name": "Second"})
    token = hostile.http.get("/api/v1/models", params={"max_results": 1}).json()["next_page_token"]
    assert token

    hostile.refuses(
        "GET",
        "/api/v1/versions",
        400,
        "INVALID_ARGUMENT",
        params={"max_results": 1, "page_token": token},
    )
    hostile.refuses(
        "GET",
        "/api/v1/models",
        400,
        "INVALID_ARGUMENT",
        params={"max_results": 2, "page_token": token},
    )
    hostile.refuses(
        "GET",
        "/api/v1/models",
        400,
        "INVALID_ARGUMENT",
        params={"max_results": 1, "page_token": token, "filter": "name LIKE 'S%'"},
    )


JSON_ROUTES = [
    ("POST", "/api/v1/models"),
    ("PATCH", "/api/v1/models/Fraud"),
    ("POST", "/api/v1/models/Fraud/versions"),
    ("PATCH", "/api/v1/models/Fraud/versions/1"),
    ("POST", "/api/v1/models/Fraud/versions/1/transition"),
    ("PUT", "/api/v1/models/Fraud/aliases/champion"),
    ("PUT", "/api/v1/models/Fraud/tags/team"),
    ("POST", "/api/v1/blobs/missing"),
    ("POST", "/api/v1/runs"),
]
MALFORMED = [
    b"{",
    b"{'name': 'x'}",
    b"",
    b"[",
    b'{"name": "x",}',
    b'{"name": "\xff\xfe"}',
    b'{"name": "\xc0\xae\xc0\xae"}',
    b"[" * 10_000,
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b"null",
    b"123",
    b'"str"',
    b"NaN",
]


@pytest.mark.parametrize(("method", "url"), JSON_ROUTES)
@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_json_body_returns_400(
    hostile: Server, method: str, url: str, body: bytes
) -> None:
    hostile.refuses(method, url, 400, "INVALID_ARGUMENT", content=body, headers=JSON)


def test_deep_nesting_inside_a_valid_body_returns_400(hostile: Server) -> None:
    deep = b'{"files": [], "flavor_metadata": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"}"

    hostile.refuses(
        "POST", "/api/v1/models/Fraud/versions", 400, "INVALID_ARGUMENT", content=deep, headers=JSON
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ],
)
def test_wrong_content_type_returns_403(hostile: Server, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    hostile.refuses(
        "POST",
        "/api/v1/models",
        403,
        "CROSS_SITE_REQUEST",
        content=b'{"name": "Other"}',
        headers=headers,
    )


def over_limit(prefix: bytes) -> bytes:
    return prefix + b'"' + b"a" * (MAX_JSON_BODY + 1024) + b'"}'


@pytest.mark.parametrize(
    ("method", "url", "prefix"),
    [
        ("POST", "/api/v1/models", b'{"name": "Other", "description": '),
        ("POST", "/api/v1/models/Fraud/versions", b'{"files": [], "description": '),
    ],
)
def test_json_body_over_32_mib_returns_413(
    hostile: Server, method: str, url: str, prefix: bytes
) -> None:
    hostile.refuses(method, url, 413, "PAYLOAD_TOO_LARGE", content=over_limit(prefix), headers=JSON)


def streamed(body: bytes) -> Iterator[bytes]:
    for i in range(0, len(body), 1024 * 1024):
        yield body[i : i + 1024 * 1024]


def test_chunked_json_body_over_32_mib_returns_413(hostile: Server) -> None:
    body = over_limit(b'{"name": "Other", "description": ')

    hostile.refuses(
        "POST", "/api/v1/models", 413, "PAYLOAD_TOO_LARGE", content=streamed(body), headers=JSON
    )


def test_missing_blobs_body_over_32_mib_returns_413(hostile: Server) -> None:
    hostile.refuses(
        "POST",
        "/api/v1/blobs/missing",
        413,
        "PAYLOAD_TOO_LARGE",
        content=over_limit(b'{"digests": ['),
        headers=JSON,
    )


def many_tags(n: int) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(n)}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/v1/models", {"name": "Other", "tags": many_tags(10_000)}),
        ("POST", "/api/v1/models/Fraud/versions", {**files_body({}), "tags": many_tags(10_000)}),
        ("POST", "/api/v1/models/Other/versions", {**files_body({}), "tags": many_tags(10_000)}),
    ],
)
def test_10000_tags_in_one_request_returns_400(
    hostile: Server, method: str, url: str, body: dict[str, Any]
) -> None:
    hostile.refuses(method, url, 400, "INVALID_ARGUMENT", json=body)


def test_10000_run_tags_in_start_request_returns_400(hostile: Server) -> None:
    hostile.refuses(
        "POST", "/api/v1/runs", 400, "INVALID_ARGUMENT", json={"tags": many_tags(10_000)}
    )


def test_1001_run_tags_in_one_patch_returns_400(hostile: Server) -> None:
    rid = hostile.http.post("/api/v1/runs", json={}).json()["id"]

    hostile.refuses(
        "PATCH", f"/api/v1/runs/{rid}", 400, "INVALID_ARGUMENT", json={"tags": many_tags(1001)}
    )


MEGABYTE = "x" * 1_000_000


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PUT", "/api/v1/models/Fraud/tags/team", {"value": MEGABYTE}),
        ("PUT", "/api/v1/models/Fraud/versions/1/tags/owner", {"value": MEGABYTE}),
        ("POST", "/api/v1/models", {"name": "Other", "tags": {"k": MEGABYTE}}),
        ("POST", "/api/v1/models/Other/versions", {**files_body({}), "tags": {"k": MEGABYTE}}),
        ("POST", "/api/v1/runs", {"tags": {"k": MEGABYTE}}),
        ("PATCH", "/api/v1/models/Fraud", {"description": MEGABYTE}),
    ],
)
def test_1mb_tag_value_or_description_returns_400(
    hostile: Server, method: str, url: str, body: dict[str, Any]
) -> None:
    hostile.refuses(method, url, 400, "INVALID_ARGUMENT", json=body)


def test_1mb_run_tag_value_in_patch_returns_400(hostile: Server) -> None:
    rid = hostile.http.post("/api/v1/runs", json={}).json()["id"]

    hostile.refuses(
        "PATCH", f"/api/v1/runs/{rid}", 400, "INVALID_ARGUMENT", json={"tags": {"k": MEGABYTE}}
    )


def test_duplicate_json_keys_do_not_crash(hostile: Server) -> None:
    body = json.dumps({"value": "a"})[:-1] + ', "value": "\\u0000"}'

    hostile.refuses(
        "PUT",
        "/api/v1/models/Fraud/tags/team",
        400,
        "INVALID_ARGUMENT",
        content=body.encode(),
        headers=JSON,
    )
