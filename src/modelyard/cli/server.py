"""``modelyard server``: run the REST API."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from modelyard.config import Settings

Host = Annotated[str, typer.Option(help="Address to bind; loopback unless --insecure.")]
Port = Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)]
Db = Annotated[
    str | None,
    typer.Option(
        envvar="MODELYARD_DB", help="Metadata database: sqlite:///path.db or postgresql+psycopg://…"
    ),
]
Artifacts = Annotated[
    str | None,
    typer.Option(
        envvar="MODELYARD_ARTIFACTS",
        help="Blob store: file:///path or s3://bucket/prefix "
        "(with MODELYARD_S3_ENDPOINT_URL for non-AWS endpoints).",
    ),
]
Home = Annotated[
    str | None,
    typer.Option(
        envvar="MODELYARD_HOME",
        help="Folder of the default SQLite database and blobs (./modelyard).",
    ),
]
Workers = Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)]
Insecure = Annotated[
    bool,
    typer.Option(help="Serve a non-loopback address WITHOUT authentication (a loud warning)."),
]
Auth = Annotated[
    bool,
    typer.Option(
        "--auth",
        help="Require an API token (or a trusted proxy's user header) on every request; "
        "always on beyond loopback unless --insecure. The first start needs "
        "MODELYARD_ADMIN_TOKEN (32+ characters) to create user 'admin'.",
    ),
]
ProxyHeader = Annotated[
    str | None,
    typer.Option(
        envvar="MODELYARD_TRUSTED_PROXY_HEADER",
        help="With --auth: the header an authenticating proxy sets to the user's name "
        "(e.g. X-Forwarded-User); honoured only from --trusted-proxies.",
    ),
]
Proxies = Annotated[
    str | None,
    typer.Option(
        envvar="MODELYARD_TRUSTED_PROXIES",
        help="With --trusted-proxy-header: CIDR[,CIDR] of the proxies allowed to set it.",
    ),
]
Migrate = Annotated[
    bool,
    typer.Option(
        help="Bring the database schema to this version first. With --no-migrate, refuse to "
        "start unless it is there already (migrate with `modelyard db upgrade`)."
    ),
]
LogLevel = Annotated[str, typer.Option(help="debug, info, warning or error.")]
HookHosts = Annotated[
    str | None,
    typer.Option(
        envvar="MODELYARD_WEBHOOK_ALLOW_HOSTS",
        help="host[,host]: webhook targets allowed although they resolve to loopback, "
        "private or link-local addresses (refused otherwise).",
    ),
]
HookHttp = Annotated[
    bool,
    typer.Option(
        "--webhook-allow-http",
        envvar="MODELYARD_WEBHOOK_ALLOW_HTTP",
        help="Allow plain-http webhook targets (https only otherwise).",
    ),
]


def export_store(db: str | None, artifacts: str | None, home: str | None) -> None:
    """Put the store options where ``Settings()`` (here and in every worker) reads them."""
    for key, value in (
        ("MODELYARD_DB", db),
        ("MODELYARD_ARTIFACTS", artifacts),
        ("MODELYARD_HOME", home),
    ):
        if value:
            os.environ[key] = value


def server(
    host: Host = "127.0.0.1",
    port: Port = 5000,
    db: Db = None,
    artifacts: Artifacts = None,
    home: Home = None,
    workers: Workers = 1,
    insecure: Insecure = False,
    auth: Auth = False,
    trusted_proxy_header: ProxyHeader = None,
    trusted_proxies: Proxies = None,
    migrate: Migrate = True,
    log_level: LogLevel = "info",
    webhook_allow_hosts: HookHosts = None,
    webhook_allow_http: HookHttp = False,
) -> None:
    """Serve the registry's REST API (/api/v1, OpenAPI at /docs) until interrupted.
    Webhooks need MODELYARD_SECRET_KEY (it seals their signing secrets)."""
    from modelyard.api.server import auth_required, serve
    from modelyard.bootstrap import prepare_store
    from modelyard.config import Settings

    export_store(db, artifacts, home)
    os.environ["MODELYARD_MIGRATE"] = "1" if migrate else "0"
    export_webhooks(webhook_allow_hosts, webhook_allow_http)
    # a trusted proxy header only means something with authentication on
    on = auth_required(host, auth or trusted_proxy_header is not None, insecure)
    export_auth(on, trusted_proxy_header, trusted_proxies)
    # once, before any worker starts: a refusal is one line, not a traceback per worker
    prepare_store(Settings(), migrate=migrate)
    if on:
        start_auth(Settings())
    serve(host, port, workers, insecure, log_level)


def export_webhooks(allow_hosts: str | None, allow_http: bool) -> None:
    """Put the webhook options where every worker's ``Settings()`` reads them."""
    if allow_hosts is not None:
        os.environ["MODELYARD_WEBHOOK_ALLOW_HOSTS"] = allow_hosts
    os.environ["MODELYARD_WEBHOOK_ALLOW_HTTP"] = "1" if allow_http else "0"


def export_auth(on: bool, header: str | None, proxies: str | None) -> None:
    """Put the auth options where every worker's ``Settings()`` reads them."""
    os.environ["MODELYARD_AUTH"] = "1" if on else "0"
    if (header is None) != (proxies is None):
        from modelyard.errors import InvalidArgument

        raise InvalidArgument("--trusted-proxy-header and --trusted-proxies go together")
    if header is not None and proxies is not None:
        os.environ["MODELYARD_TRUSTED_PROXY_HEADER"] = header
        os.environ["MODELYARD_TRUSTED_PROXIES"] = proxies


def start_auth(settings: Settings) -> None:
    """Check the proxy addresses and bootstrap the admin before serving with auth on."""
    from modelyard.api.auth import parse_networks
    from modelyard.bootstrap import ensure_admin

    parse_networks(settings.trusted_proxies)
    if ensure_admin(settings):
        typer.echo("created user 'admin' from MODELYARD_ADMIN_TOKEN", err=True)


def register(app: typer.Typer) -> None:
    app.command("server")(server)
