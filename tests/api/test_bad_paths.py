"""Hostile artifact paths and blob references: refused before anything touches storage."""

from __future__ import annotations

import pytest

from tests.api.support import Server, seg, sha
from tests.corpus import BAD_PATHS

WEIGHTS = sha(b"weights")  # stored by the hostile fixture


def version_with(path: str, *, size: int = 7, digest: str = WEIGHTS) -> dict[str, object]:
    return {"files": [{"path": path, "size": size, "sha256": digest}]}


@pytest.mark.parametrize("path", BAD_PATHS, ids=range(len(BAD_PATHS)))
def test_manifest_bad_path_returns_400_and_creates_nothing(hostile: Server, path: str) -> None:
    for model in ("Fraud", "Fresh"):
        hostile.refuses(
            "POST",
            f"/api/v1/models/{model}/versions",
            400,
            "INVALID_ARGUMENT",
            json=version_with(path),
        )


@pytest.mark.parametrize("path", BAD_PATHS[:12], ids=range(12))
def test_manifest_bad_path_beside_good_one_returns_400(hostile: Server, path: str) -> None:
    body = version_with("model.bin")
    body["files"].append({"path": path, "size": 7, "sha256": WEIGHTS})  # type: ignore[attr-defined]

    hostile.refuses("POST", "/api/v1/models/Fraud/versions", 400, "INVALID_ARGUMENT", json=body)


@pytest.mark.parametrize("paths", [["Model.bin", "model.bin"], ["a", "a/b"], ["x", "x"]])
def test_manifest_clashing_paths_return_400(hostile: Server, paths: list[str]) -> None:
    body = {"files": [{"path": p, "size": 7, "sha256": WEIGHTS} for p in paths]}

    hostile.refuses("POST", "/api/v1/models/Fraud/versions", 400, "INVALID_ARGUMENT", json=body)


@pytest.mark.parametrize("size", [-1, 7.5, None, "seven"])
def test_manifest_bad_size_returns_400(hostile: Server, size: object) -> None:
    hostile.refuses(
        "POST",
        "/api/v1/models/Fraud/versions",
        400,
        "INVALID_ARGUMENT",
        json=version_with("model.bin", size=size),
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 1, 8, 2**70])
def test_manifest_size_unlike_stored_blob_returns_400(server: Server, size: int) -> None:
    server.put_blob(b"weights")

    server.refuses(
        "POST",
        "/api/v1/models/Fraud/versions",
        400,
        "INVALID_ARGUMENT",
        json=version_with("model.bin", size=size),
    )


def test_manifest_boolean_size_returns_400(server: Server) -> None:
    server.put_blob(b"w")

    server.refuses(
        "POST",
        "/api/v1/models/Fraud/versions",
        400,
        "INVALID_ARGUMENT",
        json=version_with("model.bin", size=True, digest=sha(b"w")),
    )  # type: ignore[arg-type]


BAD_DIGESTS = [
    "sha256:../../x",
    "../../etc/passwd",
    WEIGHTS.upper(),
    WEIGHTS[:63],
    WEIGHTS + "0",
    "md5:" + WEIGHTS[:32],
    "",
    "sha256:",
    "sha256:" + WEIGHTS.upper(),
    " " + WEIGHTS,
    WEIGHTS + "\n",
    "g" * 64,
]


@pytest.mark.parametrize("digest", BAD_DIGESTS, ids=range(len(BAD_DIGESTS)))
def test_manifest_bad_digest_returns_400(hostile: Server, digest: str) -> None:
    hostile.refuses(
        "POST",
        "/api/v1/models/Fraud/versions",
        400,
        "INVALID_ARGUMENT",
        json=version_with("model.bin", digest=digest),
    )


@pytest.mark.parametrize("digest", BAD_DIGESTS, ids=range(len(BAD_DIGESTS)))
def test_missing_blobs_bad_digest_returns_400(hostile: Server, digest: str) -> None:
    hostile.refuses(
        "POST",
        "/api/v1/blobs/missing",
        400,
        "INVALID_ARGUMENT",
        json={"digests": [WEIGHTS, digest]},
    )


BAD_REFS = [
    "sha256:" + seg("../../x"),
    "sha256:%2e%2e",
    "sha256:%252e%252e",
    "sha256:" + seg(".."),
    "sha256:" + WEIGHTS.upper(),
    "sha256:" + WEIGHTS[:63],
    "sha256:" + WEIGHTS + "0",
    "sha256:" + WEIGHTS[:-1] + "g",
    "sha256:",
    "sha256:sha256:" + WEIGHTS,
    WEIGHTS,
    "md5:" + WEIGHTS[:32],
    "sha512:" + WEIGHTS * 2,
    "SHA256:" + WEIGHTS,
    seg("../../etc/passwd"),
    "sha256:" + WEIGHTS + "%00",
    "sha256:" + WEIGHTS + seg("/../x"),
    "sha256:" + seg(" " + WEIGHTS),
    seg("%2e%2e%2f"),
    "sha256:" + WEIGHTS + "%0A",
]


@pytest.mark.parametrize("ref", BAD_REFS, ids=range(len(BAD_REFS)))
def test_put_blob_bad_ref_is_refused_and_stores_nothing(hostile: Server, ref: str) -> None:
    hostile.refuses("PUT", f"/api/v1/blobs/{ref}", {400, 404}, content=b"weights")


@pytest.mark.parametrize("ref", BAD_REFS, ids=range(len(BAD_REFS)))
def test_get_blob_bad_ref_is_refused(hostile: Server, ref: str) -> None:
    hostile.refuses("GET", f"/api/v1/blobs/{ref}", {400, 404})
    hostile.refuses("HEAD", f"/api/v1/blobs/{ref}", {400, 404})


def test_put_blob_mismatched_digest_returns_422_and_stores_nothing(hostile: Server) -> None:
    hostile.refuses(
        "PUT",
        f"/api/v1/blobs/sha256:{sha(b'claimed')}",
        422,
        "DIGEST_MISMATCH",
        content=b"actual bytes",
    )
    hostile.refuses("HEAD", f"/api/v1/blobs/sha256:{sha(b'actual bytes')}", 404)


def test_put_blob_empty_body_with_other_digest_returns_422(hostile: Server) -> None:
    hostile.refuses("PUT", f"/api/v1/blobs/sha256:{sha(b'x')}", 422, "DIGEST_MISMATCH", content=b"")
