"""``modelyard runs …`` and ``modelyard download``: lineage and files of versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelyard.cli import output, render
from modelyard.cli.common import JsonFlag, connect

app = typer.Typer(help="Runs: the lineage behind a version.", no_args_is_help=True)


@app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run id (32 hex digits).", show_default=False)],
    as_json: JsonFlag = False,
) -> None:
    """Show a run: params, metrics, datasets, code version and Python environment."""
    with connect(ctx) as client:
        run = client.get_run(run_id)
    if as_json:
        output.emit_json(run)
        return
    output.show(render.run_detail(run))


def download(
    ctx: typer.Context,
    uri: Annotated[
        str,
        typer.Argument(
            help="models:/NAME/3, models:/NAME@alias, models:/NAME/Production or /latest.",
            show_default=False,
        ),
    ],
    dest: Annotated[
        Path | None,
        typer.Option(
            "--dest",
            "-o",
            file_okay=False,
            help="A new or empty folder to write to (default: the private cache).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Download a version's files, each verified against its digest, and print where."""
    with connect(ctx) as client:
        # Progress shows on a terminal only (stderr), so stdout stays just the path.
        path = client.download(uri, dest)
    if as_json:
        output.emit_json({"uri": uri, "path": path.resolve()})
        return
    typer.echo(output.clean(path.resolve()))
