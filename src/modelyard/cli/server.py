"""``modelyard server``: run the REST API."""

from __future__ import annotations

import os
from typing import Annotated

import typer

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
    bool, typer.Option(help="Allow binding a non-loopback address without authentication.")
]
Migrate = Annotated[
    bool,
    typer.Option(
        help="Bring the database schema to this version first. With --no-migrate, refuse to "
        "start unless it is there already (migrate with `modelyard db upgrade`)."
    ),
]
LogLevel = Annotated[str, typer.Option(help="debug, info, warning or error.")]


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
    migrate: Migrate = True,
    log_level: LogLevel = "info",
) -> None:
    """Serve the registry's REST API (/api/v1, OpenAPI at /docs) until interrupted."""
    from modelyard.api.server import check_bind, serve
    from modelyard.bootstrap import prepare_store
    from modelyard.config import Settings

    check_bind(host, insecure)
    export_store(db, artifacts, home)
    os.environ["MODELYARD_MIGRATE"] = "1" if migrate else "0"
    # once, before any worker starts: a refusal is one line, not a traceback per worker
    prepare_store(Settings(), migrate=migrate)
    serve(host, port, workers, insecure, log_level)


def register(app: typer.Typer) -> None:
    app.command("server")(server)
