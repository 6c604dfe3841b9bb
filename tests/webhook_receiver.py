"""A scripted webhook receiver on 127.0.0.1 for delivery tests.

Each request takes the next behaviour from a script (after the script runs out, every
request gets 204): answer a status (with optional headers and body), or hang until the
test ends so the sender's read timeout fires. Every request is recorded, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    hang: bool = False  # never answer: the sender times out


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, script: list[Reply]) -> None:
        self.script = list(script)
        self.received: list[Received] = []
        self.release = threading.Event()
        self._arrived = threading.Condition()
        self.url = ""

    def next_reply(self, request: Received) -> Reply:
        with self._arrived:
            self.received.append(request)
            self._arrived.notify_all()
            return self.script.pop(0) if self.script else Reply()

    def wait_for(self, count: int, timeout: float = 20.0) -> bool:
        """Block until ``count`` requests arrived (for a server's own dispatcher, which runs
        on wall time); bounded, so a broken dispatcher fails the test instead of hanging."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.received) >= count, timeout)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = receiver.next_reply(Received(self.path, headers, body))
            if reply.hang:
                receiver.release.wait(10)  # bounded: the test sets it on teardown
                return
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def receiver(script: list[Reply] | None = None) -> Iterator[Receiver]:
    """A running receiver; ``.url`` is its base URL on 127.0.0.1."""
    state = Receiver(script or [])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
