"""``modelyard server``: run the REST API."""

from __future__ import annotations

import os
from typing import Annotated

import typer


def server(
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless --insecure.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 5000,
    db: Annotated[
        str | None,
        typer.Option(
            envvar="MODELYARD_DB",
            help="Metadata database: sqlite:///path.db or postgresql+psycopg://…",
        ),
    ] = None,
    artifacts: Annotated[
        str | None,
        typer.Option(
            envvar="MODELYARD_ARTIFACTS",
            help="Blob store: file:///path or s3://bucket/prefix "
            "(with MODELYARD_S3_ENDPOINT_URL for non-AWS endpoints).",
        ),
    ] = None,
    home: Annotated[
        str | None,
        typer.Option(
            envvar="MODELYARD_HOME",
            help="Folder of the default SQLite database and blobs (./modelyard).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    insecure: Annotated[
        bool, typer.Option(help="Allow binding a non-loopback address without authentication.")
    ] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the registry's REST API (/api/v1, OpenAPI at /docs) until interrupted."""
    from modelyard.api.server import serve

    for key, value in (
        ("MODELYARD_DB", db),
        ("MODELYARD_ARTIFACTS", artifacts),
        ("MODELYARD_HOME", home),
    ):
        if value:
            os.environ[key] = value
    serve(host, port, workers, insecure, log_level)


def register(app: typer.Typer) -> None:
    app.command("server")(server)
