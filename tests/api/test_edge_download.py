"""Downloads on both surfaces: one Range parser, whole objects verified, ranges as stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from modelyard.api.app import create_app
from modelyard.api.download import byte_range
from modelyard.bootstrap import build
from modelyard.config import Settings
from modelyard.errors import RangeNotSatisfiable, error_for_code
from tests.api.support import assert_error, files_body, sha

DATA = b"0123456789"
BLOB = f"/api/v1/blobs/sha256:{sha(DATA)}"
ARTIFACT = "/api/2.0/mlflow-artifacts/artifacts/modelyard-models/Fraud/1/model.bin"
HUGE = "9" * 5000


@given(st.text(max_size=60), st.integers(0, 10**6))
def test_byte_range_any_header_is_a_span_none_or_416(header: str, size: int) -> None:
    try:
        span = byte_range(header, size)
    except RangeNotSatisfiable:
        return
    if span is not None:
        start, end = span
        assert 0 <= start <= end < size


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 10**6))
def test_byte_range_reads_first_and_last(first: int, last: int, size: int) -> None:
    header = f"bytes={first}-{last}"
    if last < first:
        assert byte_range(header, size) is None
    elif first >= size:
        with pytest.raises(RangeNotSatisfiable):
            byte_range(header, size)
    else:
        assert byte_range(header, size) == (first, min(last, size - 1))


@pytest.mark.parametrize(
    ("header", "span"),
    [
        ("bytes=0-" + HUGE, (0, 9)),
        ("bytes=-" + HUGE, (0, 9)),
        ("bytes=" + "0" * 5000 + "5-", (5, 9)),
        ("Bytes=2-3", (2, 3)),
    ],
)
def test_byte_range_huge_numbers_are_read_without_error(header: str, span: tuple[int, int]) -> None:
    assert byte_range(header, 10) == span


def test_range_not_satisfiable_code_maps_back_to_its_class() -> None:
    err = error_for_code("RANGE_NOT_SATISFIABLE", "x")

    assert isinstance(err, RangeNotSatisfiable) and err.http_status == 416


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """Fraud v1 holding model.bin = DATA; yields the client and the blob's file."""
    home = tmp_path_factory.mktemp("download") / "store"
    registry = build(Settings(home=home, db=None, artifacts=None, uri=None, user=None))
    try:
        with TestClient(create_app(registry=registry), raise_server_exceptions=False) as http:
            assert http.put(BLOB, content=DATA).status_code == 201
            body = files_body({"model.bin": DATA})
            assert http.post("/api/v1/models/Fraud/versions", json=body).status_code == 201
            blob = home / "artifacts" / "blobs" / "sha256" / sha(DATA)[:2] / sha(DATA)
            yield http, blob
    finally:
        registry.close()


@pytest.mark.parametrize("url", [BLOB, ARTIFACT])
def test_range_starting_at_5000_digits_returns_416(
    served: tuple[TestClient, Path], url: str
) -> None:
    http, _ = served

    response = http.get(url, headers={"Range": f"bytes={HUGE}-"})

    assert response.status_code == 416
    if url == BLOB:
        assert_error(response, 416, "RANGE_NOT_SATISFIABLE")
    else:
        assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("url", [BLOB, ARTIFACT])
@pytest.mark.parametrize(
    "header", ["bytes=5-2", "bytes=0-1,3-4", "items=0-1", "bytes=abc", "bytes=-", "bytes 0-1"]
)
def test_unusable_range_is_ignored_and_whole_object_sent(
    served: tuple[TestClient, Path], url: str, header: str
) -> None:
    http, _ = served

    response = http.get(url, headers={"Range": header})

    assert (response.status_code, response.content) == (200, DATA)


@pytest.mark.parametrize("url", [BLOB, ARTIFACT])
def test_range_is_served_on_both_surfaces(served: tuple[TestClient, Path], url: str) -> None:
    http, _ = served

    response = http.get(url, headers={"Range": "bytes=2-4"})

    assert (response.status_code, response.content) == (206, b"234")
    assert response.headers["content-range"] == "bytes 2-4/10"
    assert response.headers["accept-ranges"] == "bytes"


@pytest.fixture
def corrupted(served: tuple[TestClient, Path]) -> Iterator[TestClient]:
    """The blob's stored bytes flipped (same size) for one test, then restored."""
    http, blob = served
    blob.chmod(0o644)
    blob.write_bytes(b"X" + DATA[1:])
    try:
        yield http
    finally:
        blob.write_bytes(DATA)


@pytest.mark.parametrize("url", [BLOB, ARTIFACT])
def test_corrupt_blob_is_never_sent_whole(corrupted: TestClient, url: str) -> None:
    response = corrupted.get(url)

    assert response.content != b"X" + DATA[1:]
    assert len(response.content) < len(DATA)


@pytest.mark.parametrize("url", [BLOB, ARTIFACT])
def test_range_of_corrupt_blob_is_sent_as_stored(corrupted: TestClient, url: str) -> None:
    response = corrupted.get(url, headers={"Range": "bytes=0-3"})

    assert (response.status_code, response.content) == (206, b"X123")


def test_range_past_the_end_names_the_size_in_content_range(
    served: tuple[TestClient, Path],
) -> None:
    http, _ = served
    size = int(http.head(BLOB).headers["Content-Length"])

    response = http.get(BLOB, headers={"Range": f"bytes={size}-"})

    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"
