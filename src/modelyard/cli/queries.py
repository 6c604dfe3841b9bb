"""``modelyard search`` and ``modelyard audit``: reading across the registry."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli import output, render
from modelyard.cli.common import JsonFlag, MaxResults, PageToken, connect, parse_since


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


def audit(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option("--model", help="Only this model.")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only events at or after this ISO 8601 time (UTC if bare)."),
    ] = None,
    max_results: MaxResults = 100,
    page_token: PageToken = None,
    as_json: JsonFlag = False,
) -> None:
    """Show the audit trail: who did what to which model or version, when, before → after."""
    after = parse_since(since)
    with connect(ctx) as client:
        page = client.audit(model, after, max_results, page_token)
    if as_json:
        output.emit_list(page.items, page.next_page_token)
        return
    output.show(render.audit_table(page.items))
    output.next_page(page.next_page_token)


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("audit")(audit)
