"""Hostile names, versions and aliases over HTTP: a clear 4xx, nothing written, still up.

Names go through ``seg`` (every byte but [A-Za-z0-9_-] percent-encoded) so the request is
sent as written. A name holding '/' never matches a route, so 404 is as good as 400 for it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from tests.api.support import Server, files_body, seg

BAD_NAMES = [
    "a/b",
    "../Fraud",
    "Fraud/..",
    "a:b",
    "a@b",
    "@champion",
    "a#b",
    "a?b",
    "a%b",
    "a%2Fb",
    "%2e%2e",
    "a+b",
    "my model",
    "my%20model",
    " Fraud",
    "Fraud ",
    "\tFraud",
    ".",
    "..",
    "...",
    "-lead",
    "_lead",
    "a" * 129,
    "a" * 10_000,
    "Cafe\u0301",
    "Café",
    "Frаud",
    "Fr\u200daud",
    "Fr\u202eaud",
    "name\nINFO fake",
    "name\r\nX-Injected: 1",
    "\x1b[31mred\x1b[0m",
    "nul\x00",
    "del\x7f",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "a\\b",
    "C:",
    "~root",
    "Ｆｒａｕｄ",
]
BAD_VERSIONS = [
    "0",
    "-1",
    "01",
    "1.0",
    "99999999999999999999",
    "1e3",
    "+1",
    " 1",
    "0x1",
    "１",
    "..",
    ".",
    "@",
    "@1",
    "@Production",
    "Prod",
    "latest2",
    "a" * 5000,
]
BAD_ALIASES = [
    "1",
    "v1",
    "V2",
    "latest",
    "Production",
    "staging",
    "None",
    "archived",
    "..",
    ".",
    "a b",
    "-x",
    "a" * 65,
    "champion\n",
    "<b>",
    "a:b",
    "a@b",
    "ch%mp",
]
SEEDED_FILES = files_body({"model.bin": b"weights"})


def statuses(name: str) -> set[int]:
    # starlette's TestClient unquotes the decoded path once more, so "%2F" arrives as "/"
    return {400, 404} if "/" in unquote(name) else {400}


def name_requests(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"/api/v1/models/{seg(name)}"
    return [
        ("GET", base, {}),
        ("PATCH", base, {"json": {"description": "x"}}),
        ("DELETE", base, {}),
        ("POST", f"{base}/versions", {"json": SEEDED_FILES}),
        ("GET", f"{base}/versions", {}),
        ("GET", f"{base}/versions/1", {}),
        ("PUT", f"{base}/tags/team", {"json": {"value": "risk"}}),
        ("PUT", f"{base}/aliases/champion", {"json": {"version": 1}}),
        ("POST", f"{base}/versions/1/transition", {"json": {"stage": "Production"}}),
        ("POST", f"{base}/rollback", {"json": {}}),
        ("GET", f"{base}/history", {}),
    ]


@pytest.mark.parametrize("name", BAD_NAMES, ids=range(len(BAD_NAMES)))
def test_bad_name_in_path_is_refused_on_every_route(hostile: Server, name: str) -> None:
    for method, url, kw in name_requests(name):
        hostile.refuses(method, url, statuses(name), **kw)


@pytest.mark.parametrize("name", ["", "/"])
def test_empty_name_in_path_never_matches_a_model_route(hostile: Server, name: str) -> None:
    for method, url, kw in name_requests(name)[3:]:
        hostile.refuses(method, url, {400, 404, 405}, **kw)


@pytest.mark.parametrize("name", [*BAD_NAMES, ""], ids=range(len(BAD_NAMES) + 1))
def test_bad_name_in_create_body_returns_400(hostile: Server, name: str) -> None:
    hostile.refuses("POST", "/api/v1/models", 400, "INVALID_ARGUMENT", json={"name": name})


@pytest.mark.parametrize("name", [*BAD_NAMES, ""], ids=range(len(BAD_NAMES) + 1))
def test_bad_name_in_rename_body_returns_400(hostile: Server, name: str) -> None:
    hostile.refuses("PATCH", "/api/v1/models/Fraud", 400, "INVALID_ARGUMENT", json={"name": name})


@pytest.mark.parametrize("name", ["fraud", "FRAUD", "fRaUd"])
def test_case_twin_in_create_body_returns_409(hostile: Server, name: str) -> None:
    hostile.refuses("POST", "/api/v1/models", 409, "ALREADY_EXISTS", json={"name": name})


@pytest.mark.parametrize("value", [1, None, True, [], {}, "a" * 10_000], ids=range(6))
def test_non_string_or_oversized_name_in_body_returns_400(hostile: Server, value: object) -> None:
    hostile.refuses("POST", "/api/v1/models", 400, "INVALID_ARGUMENT", json={"name": value})


@pytest.mark.parametrize("version", BAD_VERSIONS, ids=range(len(BAD_VERSIONS)))
def test_bad_version_in_path_returns_400(hostile: Server, version: str) -> None:
    base = f"/api/v1/models/Fraud/versions/{seg(version)}"
    for method, url, kw in [
        ("GET", base, {}),
        ("GET", f"{base}/manifest", {}),
        ("GET", f"{base}/history", {}),
        ("PATCH", base, {"json": {"description": "x"}}),
        ("DELETE", base, {}),
        ("PUT", f"{base}/tags/owner", {"json": {"value": "alice"}}),
        ("DELETE", f"{base}/tags/owner", {}),
        ("POST", f"{base}/transition", {"json": {"stage": "Production"}}),
    ]:
        hostile.refuses(method, url, 400, "INVALID_ARGUMENT", **kw)


@pytest.mark.parametrize(
    "version", [*BAD_VERSIONS, 0, -1, 1.5, 10**20, None, [1]], ids=range(len(BAD_VERSIONS) + 6)
)
def test_bad_version_in_alias_body_returns_400(hostile: Server, version: object) -> None:
    hostile.refuses(
        "PUT",
        "/api/v1/models/Fraud/aliases/champion",
        400,
        "INVALID_ARGUMENT",
        json={"version": version},
    )


def test_boolean_version_in_alias_body_returns_400(hostile: Server) -> None:
    hostile.refuses(
        "PUT",
        "/api/v1/models/Fraud/aliases/champion",
        400,
        "INVALID_ARGUMENT",
        json={"version": True},
    )


@pytest.mark.parametrize("version", ["0", "-1", "1.0", "99999999999999999999", "'01'", "'x'"])
def test_bad_version_in_filter_returns_400(hostile: Server, version: str) -> None:
    hostile.refuses(
        "GET",
        "/api/v1/versions",
        400,
        "INVALID_ARGUMENT",
        params={"filter": f"version = {version}"},
    )


@pytest.mark.parametrize("alias", BAD_ALIASES, ids=range(len(BAD_ALIASES)))
def test_bad_alias_in_path_returns_400(hostile: Server, alias: str) -> None:
    url = f"/api/v1/models/Fraud/aliases/{seg(alias)}"
    hostile.refuses("PUT", url, 400, "INVALID_ARGUMENT", json={"version": 1})
    hostile.refuses("DELETE", url, 400, "INVALID_ARGUMENT")
    hostile.refuses(
        "GET", f"/api/v1/models/Fraud/versions/{seg('@' + alias)}", 400, "INVALID_ARGUMENT"
    )


@pytest.mark.parametrize(
    "key", ["", " lead", "trail ", "-x", "a\nb", "k" * 251, "..", "é", "a\x00b", "<script>"]
)
def test_bad_tag_key_in_path_returns_4xx(hostile: Server, key: str) -> None:
    for url in ("/api/v1/models/Fraud/tags/", "/api/v1/models/Fraud/versions/1/tags/"):
        hostile.refuses("PUT", url + seg(key), {400, 404, 405}, json={"value": "v"})
        hostile.refuses("DELETE", url + seg(key), {400, 404, 405})


@pytest.mark.parametrize("user", ["a b", "x\nINFO fake", "", "a" * 300, "<script>", "é"])
def test_bad_user_header_returns_400_and_writes_nothing(hostile: Server, user: str) -> None:
    hostile.refuses(
        "POST",
        "/api/v1/models",
        400,
        "INVALID_ARGUMENT",
        json={"name": "Other"},
        headers={"X-Modelyard-User": user.encode("utf-8")},
    )
