"""A fault-injecting HTTP proxy on 127.0.0.1, for tests of how modelyard behaves when a
backing service fails.

It forwards every request to an upstream HTTP server (moto's S3 API here) and, per rule,
fails a chosen S3 operation instead: an S3-style 500 or 503 with its XML error body, a
reset connection, a stall past the client's read timeout, a response lost after the
request took effect, or a response cut off or stalled halfway through its body. A rule
fires N times or always; :meth:`FaultProxy.heal` removes every rule and releases stalled
requests. Every wait is bounded, so a test cannot hang here.

Operations are recognised from method, path and query of path-style S3 requests
(``/bucket/key``), which is what botocore sends to an IP-address endpoint.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

# lost: forward, then reset instead of answering (the request took effect, the client
# cannot know); cut_body / stall_body: forward, send the headers and half the body, then
# reset / stall
Fault = Literal["500", "503", "reset", "stall", "lost", "cut_body", "stall_body"]
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "expect", "te", "trailer", "upgrade"}
)
_ERRORS = {
    "500": ("InternalError", "We encountered an internal error. Please try again."),
    "503": ("SlowDown", "Please reduce your request rate."),
}


def s3_operation(method: str, target: str, headers: Any) -> tuple[str, str]:
    """The S3 API operation a path-style request names, and the object key ('' if none)."""
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    _, _, key = unquote(parts.path).lstrip("/").partition("/")
    if not key:
        bucket_ops = {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
        if method == "GET":
            return ("ListMultipartUploads" if "uploads" in query else "ListObjectsV2"), ""
        if method == "POST" and "delete" in query:
            return "DeleteObjects", ""
        return bucket_ops.get(method, f"{method}Bucket"), ""
    upload = "uploadId" in query
    if method == "PUT":
        copy = "x-amz-copy-source" in headers
        if upload:
            return ("UploadPartCopy" if copy else "UploadPart"), key
        return ("CopyObject" if copy else "PutObject"), key
    if method == "POST":
        return ("CompleteMultipartUpload" if upload else "CreateMultipartUpload"), key
    if method == "DELETE":
        return ("AbortMultipartUpload" if upload else "DeleteObject"), key
    return {"HEAD": "HeadObject", "GET": "ListParts" if upload else "GetObject"}[method], key


@dataclass
class Rule:
    """Fail ``operation`` (on keys containing ``key_contains``) with ``fault``, ``times``
    times or, when None, always. ``hits`` counts the requests it failed."""

    operation: str
    fault: Fault
    times: int | None = None
    key_contains: str = ""
    hits: int = 0

    def matches(self, operation: str, key: str) -> bool:
        left = self.times is None or self.hits < self.times
        return left and operation == self.operation and self.key_contains in key


@dataclass
class _State:
    upstream: tuple[str, int]
    stall_limit: float
    rules: list[Rule] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: threading.Event = field(default_factory=threading.Event)

    def wait(self) -> None:
        """Hold a request until the proxy heals, but never longer than the stall limit."""
        with self.lock:
            wake = self.wake
        wake.wait(self.stall_limit)

    def take(self, operation: str, key: str) -> Rule | None:
        with self.lock:
            self.seen.append(operation)
            for rule in self.rules:
                if rule.matches(operation, key):
                    rule.hits += 1
                    return rule
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and "100 Continue" for botocore's Expect
    server: _Server
    upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows stderr of failed tests only, and this is noise there

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers end with an empty line
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _dispatch(self) -> None:
        body = self._body()
        state = self.server.state
        rule = state.take(*s3_operation(self.command, self.path, self.headers))
        fault = rule.fault if rule else None
        if fault in _ERRORS:
            self._send_error(fault)
        elif fault == "reset":
            self._reset()
        elif fault == "stall":
            state.wait()
            self._reset()
        elif fault == "lost":
            self._forward(body)
            self._reset()
        else:
            status, headers, data = self._forward(body)
            self._relay(status, headers, data, fault or "")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _dispatch

    def _send_error(self, fault: str) -> None:
        code, message = _ERRORS[fault]
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            "<RequestId>faultproxy</RequestId></Error>"
        ).encode()
        self.send_response(int(fault))
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(xml)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(xml)

    def _reset(self) -> None:
        # linger 0: close sends RST, so the client sees a reset, not a clean end
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.upstream is None:
            self.upstream = http.client.HTTPConnection(*self.server.state.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        self.upstream.request(self.command, self.path, body, headers)
        response = self.upstream.getresponse()
        return response.status, response.getheaders(), response.read()

    def _relay(self, status: int, headers: list[tuple[str, str]], data: bytes, fault: str) -> None:
        head = self.command == "HEAD"  # a HEAD answer keeps the object's length, sends no body
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and (head or name.lower() != "content-length"):
                self.send_header(name, value)
        if not head:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if fault not in ("cut_body", "stall_body"):
            self.wfile.write(data)
            return
        self.wfile.write(data[: len(data) // 2])
        if fault == "stall_body":
            self.server.state.wait()
        self._reset()

    def finish(self) -> None:
        super().finish()
        if self.upstream is not None:
            self.upstream.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class FaultProxy:
    """The proxy, serving on a free port of 127.0.0.1 until :meth:`close` (or ``with``)."""

    def __init__(self, upstream_url: str, stall_limit: float = 10.0) -> None:
        up = urlsplit(upstream_url)
        self._state = _State((up.hostname or "127.0.0.1", up.port or 80), stall_limit)
        self._server = _Server(self._state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def seen(self) -> list[str]:
        """Every operation the proxy received, in order (failed ones included)."""
        with self._state.lock:
            return list(self._state.seen)

    def fail(
        self, operation: str, fault: Fault, times: int | None = None, key_contains: str = ""
    ) -> Rule:
        rule = Rule(operation, fault, times, key_contains)
        with self._state.lock:
            self._state.rules.append(rule)
        return rule

    def heal(self) -> None:
        """Forward everything from now on; stalled requests end (reset) at once."""
        with self._state.lock:
            self._state.rules.clear()
            self._state.seen.clear()
            wake, self._state.wake = self._state.wake, threading.Event()
        wake.set()

    def close(self) -> None:
        self.heal()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TcpFaultProxy:
    """A byte relay on a free port of 127.0.0.1 for any TCP protocol (PostgreSQL's wire
    protocol, say), with faults at the connection level: refuse new connections, reset the
    live ones, or stall every relayed byte. A stall is held until :meth:`heal`, at most
    ``stall_limit`` seconds, after which the stalled connection is reset."""

    def __init__(self, upstream: tuple[str, int], stall_limit: float = 10.0) -> None:
        self.upstream, self.stall_limit = upstream, stall_limit
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._refusing = self._stalled = False
        self._wake = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # so the accept loop sees close() promptly
        self._open = True
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def refuse(self) -> None:
        """Reset every new connection at once, until healed."""
        with self._lock:
            self._refusing = True

    def stall(self) -> None:
        """Relay nothing more, either way, until healed."""
        with self._lock:
            self._stalled = True

    def reset_all(self) -> None:
        """Reset every live connection now (the server went away)."""
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            _hard_close(sock)

    def heal(self) -> None:
        with self._lock:
            self._refusing = self._stalled = False
            wake, self._wake = self._wake, threading.Event()
        wake.set()

    def close(self) -> None:
        self._open = False
        self.heal()
        self.reset_all()
        self._thread.join(timeout=10)
        self._listener.close()

    def __enter__(self) -> TcpFaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while self._open:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                refusing = self._refusing
            if refusing:
                _hard_close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _hard_close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._live |= {client, server}
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if not self._held():
                    break
                dst.sendall(data)
        except OSError:
            pass  # the other side or reset_all() closed it
        for sock in (src, dst):
            with self._lock:
                self._live.discard(sock)
            _hard_close(sock)

    def _held(self) -> bool:
        """Wait out a stall; False when it outlasted the limit (then the connection ends)."""
        with self._lock:
            stalled, wake = self._stalled, self._wake
        return not stalled or wake.wait(self.stall_limit)


def _hard_close(sock: socket.socket) -> None:
    """End a connection with a reset. Closing alone would wait for a recv() blocked on it
    in another thread; shutting down reading wakes that recv first, and sends nothing."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    sock.close()
