"""The MLflow source adapter: credentials never shown, stream errors reported clearly.

A raw HTTP server on loopback answers with canned bytes, so a truncated body is real.
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from modelyard.adapters.mlflow_source import MlflowHttpSource
from modelyard.errors import InvalidArgument, Unavailable

SECRET = "s3cr%2Ft"  # percent-encoded in the URL: "s3cr/t" once decoded


@contextmanager
def canned(response: bytes) -> Iterator[tuple[int, list[bytes]]]:
    """A loopback server that answers one request with ``response`` and records its head."""
    heads: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            heads.append(head)
            conn.sendall(response)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], heads
    finally:
        listener.close()
        thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_url_is_shown_without_credentials_or_query() -> None:
    src = MlflowHttpSource(f"http://alice:{SECRET}@127.0.0.1:5000/mlflow/?token=t0k")

    assert src.url == "http://127.0.0.1:5000/mlflow"
    src.close()


def test_non_http_url_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        MlflowHttpSource("file:///etc/passwd")


def test_unreachable_source_error_hides_credentials() -> None:
    src = MlflowHttpSource(f"http://alice:{SECRET}@127.0.0.1:{_free_port()}?token=t0k")

    with pytest.raises(Unavailable) as caught:
        list(src.models())

    src.close()
    assert "s3cr" not in caught.value.message and "t0k" not in caught.value.message
    assert "127.0.0.1" in caught.value.message


def test_credentials_are_sent_as_basic_auth_and_query() -> None:
    body = b'{"registered_models": []}'
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (
        len(body),
        body,
    )
    with canned(reply) as (port, heads):
        src = MlflowHttpSource(f"http://alice:{SECRET}@127.0.0.1:{port}?token=t0k")
        assert list(src.models()) == []
        src.close()

    head = heads[0].decode("latin-1")
    assert "token=t0k" in head.splitlines()[0]
    expected = base64.b64encode(b"alice:s3cr/t").decode()
    assert f"Authorization: Basic {expected}\r\n" in head


def test_truncated_file_stream_is_a_clear_unavailable(tmp_path: Path) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\npartial"
    with canned(reply) as (port, _):
        src = MlflowHttpSource(f"http://alice:{SECRET}@127.0.0.1:{port}")
        with pytest.raises(Unavailable) as caught:
            src.fetch("0/r/artifacts", "model.pkl", tmp_path / "f0")
        src.close()

    assert "model.pkl" in caught.value.message and "s3cr" not in caught.value.message
