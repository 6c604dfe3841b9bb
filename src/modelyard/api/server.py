"""Running the server with uvicorn: loopback by default, TCP_NODELAY on every connection."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from modelyard.api.app import create_app
from modelyard.config import Settings
from modelyard.errors import InvalidArgument

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


INSECURE_WARNING = (
    "WARNING: serving {host} WITHOUT AUTHENTICATION (--insecure): anyone who can reach this "
    "address can read, change and delete every model. Use --auth, or bind 127.0.0.1."
)


def auth_required(host: str, auth: bool, insecure: bool) -> bool:
    """Authentication is on when asked for, and whenever the server binds beyond loopback,
    unless ``--insecure`` says otherwise (with a loud warning on stderr)."""
    if auth:
        return True
    if is_loopback(host):
        return False
    if insecure:
        print(INSECURE_WARNING.format(host=host), file=sys.stderr, flush=True)
        return False
    return True


def check_bind(host: str, insecure: bool) -> None:
    """Kept for callers that serve without authentication: beyond loopback that needs an
    explicit ``--insecure``."""
    if not is_loopback(host) and not insecure:
        raise InvalidArgument(
            f"refusing to bind {host} without authentication; pass --auth, or --insecure"
        )


def app_from_env() -> FastAPI:
    """The app factory uvicorn workers call: settings come from MODELYARD_* variables."""
    settings = Settings()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    host = os.environ.get("MODELYARD_BIND_HOST", "127.0.0.1")
    port = os.environ.get("MODELYARD_BIND_PORT", "")
    return create_app(settings, allowed_hosts=loopback_hosts(port) if is_loopback(host) else None)


def loopback_hosts(port: str) -> list[str]:
    """The Host values a loopback server answers to: its loopback names with its own port
    (without one only on port 80, the default), never a name a rebinding DNS could point here."""
    bare = list(LOOPBACK_HOSTS) if port in ("", "80") else []
    return [*bare, *(f"{h}:{port}" for h in LOOPBACK_HOSTS if port)]


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted connections inherit this on Linux: no Nagle stalls on keep-alive responses
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(host: str, port: int, workers: int, insecure: bool, log_level: str = "info") -> None:
    """Serve until interrupted. Store settings (and MODELYARD_AUTH) must already be in the
    MODELYARD_* environment; beyond loopback, auth must be on or ``insecure`` given."""
    if os.environ.get("MODELYARD_AUTH") not in ("1", "true"):
        check_bind(host, insecure)
    os.environ["MODELYARD_BIND_HOST"] = host
    os.environ["MODELYARD_BIND_PORT"] = str(port)
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr, format="%(message)s")
    config = uvicorn.Config(
        "modelyard.api.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level=log_level,
        timeout_keep_alive=30,
    )
    sock = _listen(host, port)
    server = uvicorn.Server(config)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
