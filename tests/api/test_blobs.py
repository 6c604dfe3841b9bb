"""The blob protocol: which are missing, streamed verified uploads, ranged downloads."""

from __future__ import annotations

from collections.abc import Iterator

from tests.api.support import Server, assert_error, files_body, seg, sha

DATA = b"0123456789"


def test_post_missing_lists_only_absent_digests(server: Server) -> None:
    stored = server.put_blob(DATA)
    absent = sha(b"absent")

    response = server.http.post("/api/v1/blobs/missing", json={"digests": [stored, absent]})

    assert (response.status_code, response.json()) == (200, {"missing": [absent]})


def test_post_missing_malformed_digest_returns_400(server: Server) -> None:
    response = server.http.post("/api/v1/blobs/missing", json={"digests": ["../../etc/passwd"]})

    assert_error(response, 400, "INVALID_ARGUMENT")


def test_put_blob_with_matching_bytes_returns_201(server: Server) -> None:
    digest = sha(DATA)

    response = server.http.put(f"/api/v1/blobs/sha256:{digest}", content=DATA)

    assert response.status_code == 201
    assert response.json() == {"digest": f"sha256:{digest}", "size": len(DATA)}
    assert (server.artifacts / "blobs" / "sha256" / digest[:2] / digest).read_bytes() == DATA


def test_put_blob_twice_is_harmless(server: Server) -> None:
    server.put_blob(DATA)

    assert server.http.put(f"/api/v1/blobs/sha256:{sha(DATA)}", content=DATA).status_code == 201
    server.assert_contained()


def test_put_blob_streamed_in_chunks_returns_201(server: Server) -> None:
    data = bytes(range(256)) * 20_000

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(data), 65_536):
            yield data[i : i + 65_536]

    response = server.http.put(f"/api/v1/blobs/sha256:{sha(data)}", content=chunks())

    assert response.status_code == 201
    assert server.http.get(f"/api/v1/blobs/sha256:{sha(data)}").content == data


def test_put_blob_with_mismatched_bytes_returns_422_and_stores_nothing(server: Server) -> None:
    declared = sha(b"what the client claimed")
    before = server.snapshot()

    response = server.http.put(f"/api/v1/blobs/sha256:{declared}", content=DATA)

    assert_error(response, 422, "DIGEST_MISMATCH")
    assert server.http.head(f"/api/v1/blobs/sha256:{declared}").status_code == 404
    assert server.http.head(f"/api/v1/blobs/sha256:{sha(DATA)}").status_code == 404
    assert list((server.artifacts / "tmp").iterdir()) == []
    assert server.snapshot() == before
    server.assert_contained()


def test_head_blob_returns_size(server: Server) -> None:
    digest = server.put_blob(DATA)

    response = server.http.head(f"/api/v1/blobs/sha256:{digest}")

    assert (response.status_code, response.headers["content-length"]) == (200, str(len(DATA)))


def test_get_blob_returns_bytes_and_digest_headers(server: Server) -> None:
    digest = server.put_blob(DATA)

    response = server.http.get(f"/api/v1/blobs/sha256:{digest}")

    assert (response.status_code, response.content) == (200, DATA)
    assert response.headers["docker-content-digest"] == f"sha256:{digest}"
    assert response.headers["accept-ranges"] == "bytes"


def test_get_missing_blob_returns_404(server: Server) -> None:
    response = server.http.get(f"/api/v1/blobs/sha256:{sha(b'absent')}")

    assert_error(response, 404, "RESOURCE_NOT_FOUND")


def test_get_blob_range_first_bytes_returns_206(server: Server) -> None:
    digest = server.put_blob(DATA)

    response = server.http.get(f"/api/v1/blobs/sha256:{digest}", headers={"Range": "bytes=0-3"})

    assert (response.status_code, response.content) == (206, b"0123")
    assert response.headers["content-range"] == f"bytes 0-3/{len(DATA)}"


def test_get_blob_range_suffix_returns_last_bytes(server: Server) -> None:
    digest = server.put_blob(DATA)

    response = server.http.get(f"/api/v1/blobs/sha256:{digest}", headers={"Range": "bytes=-2"})

    assert (response.status_code, response.content) == (206, b"89")
    assert response.headers["content-range"] == f"bytes 8-9/{len(DATA)}"


def test_get_blob_range_open_ended_returns_rest(server: Server) -> None:
    digest = server.put_blob(DATA)

    response = server.http.get(f"/api/v1/blobs/sha256:{digest}", headers={"Range": "bytes=7-"})

    assert (response.status_code, response.content) == (206, b"789")


def test_get_blob_range_end_past_size_is_clamped(server: Server) -> None:
    digest = server.put_blob(DATA)

    response = server.http.get(
        f"/api/v1/blobs/sha256:{digest}", headers={"Range": "bytes=5-99999999999999999999"}
    )

    assert (response.status_code, response.content) == (206, b"56789")


def test_get_blob_range_past_the_end_returns_416(server: Server) -> None:
    digest = server.put_blob(DATA)

    for spec in (
        "bytes=10-20",
        "bytes=100-",
        "bytes=-0",
    ):
        response = server.http.get(f"/api/v1/blobs/sha256:{digest}", headers={"Range": spec})
        assert_error(response, 416, "RANGE_NOT_SATISFIABLE")


def test_post_version_naming_missing_blob_returns_400_and_creates_nothing(server: Server) -> None:
    before = server.snapshot()
    body = files_body({"model.bin": b"never uploaded"})

    response = server.http.post("/api/v1/models/Fraud/versions", json=body)

    assert_error(response, 400, "INVALID_ARGUMENT")
    assert_error(server.http.get("/api/v1/models/Fraud"), 404, "RESOURCE_NOT_FOUND")
    assert server.http.get("/api/v1/versions").json()["versions"] == []
    assert server.snapshot() == before


def test_post_version_one_blob_missing_of_two_creates_nothing(server: Server) -> None:
    server.put_blob(b"present")
    before = server.snapshot()
    body = files_body({"a.bin": b"present", "b.bin": b"never uploaded"})

    response = server.http.post("/api/v1/models/Fraud/versions", json=body)

    assert_error(response, 400, "INVALID_ARGUMENT")
    assert server.snapshot() == before


def test_post_version_idempotency_key_replay_returns_same_version(server: Server) -> None:
    server.put_blob(b"weights")
    body = files_body({"model.bin": b"weights"})
    headers = {"Idempotency-Key": "retry-1"}

    first = server.http.post("/api/v1/models/Fraud/versions", json=body, headers=headers)
    second = server.http.post("/api/v1/models/Fraud/versions", json=body, headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["version"] == second.json()["version"] == 1
    assert [v["version"] for v in server.http.get("/api/v1/versions").json()["versions"]] == [1]


def test_post_version_idempotency_key_with_other_body_returns_409(server: Server) -> None:
    server.put_blob(b"one")
    server.put_blob(b"two")
    headers = {"Idempotency-Key": "retry-1"}
    server.http.post(
        "/api/v1/models/Fraud/versions", json=files_body({"m": b"one"}), headers=headers
    )

    response = server.http.post(
        "/api/v1/models/Fraud/versions", json=files_body({"m": b"two"}), headers=headers
    )

    assert_error(response, 409, "IDEMPOTENCY_KEY_REUSED")


def test_post_version_overlong_idempotency_key_returns_400(server: Server) -> None:
    server.put_blob(b"weights")

    response = server.http.post(
        f"/api/v1/models/{seg('Fraud')}/versions",
        json=files_body({"model.bin": b"weights"}),
        headers={"Idempotency-Key": "k" * 129},
    )

    assert_error(response, 400, "INVALID_ARGUMENT")
