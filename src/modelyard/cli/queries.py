"""``modelyard search``: reading across the registry."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli import output, render
from modelyard.cli.common import JsonFlag, MaxResults, PageToken, connect


def search(
    ctx: typer.Context,
    filter_: Annotated[
        str | None,
        typer.Argument(
            metavar="FILTER",
            help="e.g. \"tags.owner = 'alice' AND stage = 'Production'\"; empty matches all.",
        ),
    ] = None,
    max_results: MaxResults = 100,
    page_token: PageToken = None,
    as_json: JsonFlag = False,
) -> None:
    """Search versions across all models by name, version, stage, run_id, alias and tags."""
    with connect(ctx) as client:
        page = client.search_versions(filter_, max_results, page_token)
    if as_json:
        output.emit_list(page.items, page.next_page_token)
        return
    output.show(render.versions_table(page.items, with_name=True))
    output.next_page(page.next_page_token)


def register(app: typer.Typer) -> None:
    app.command("search")(search)
