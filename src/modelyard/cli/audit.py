"""``modelyard audit``: the trail, and proving it was not edited (verify, head, export)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from modelyard import wire
from modelyard.cli import output, render
from modelyard.cli.common import JsonFlag, MaxResults, PageToken, connect, parse_since
from modelyard.domain.audit import ChainReport

app = typer.Typer(
    help="The audit trail: list it, verify its hash chain, print its head, export it.",
    invoke_without_command=True,
)
OnModel = Annotated[str | None, typer.Option("--model", help="Only this model.")]
Since = Annotated[
    str | None,
    typer.Option("--since", help="Only events at or after this ISO 8601 time (UTC if bare)."),
]


@app.callback()
def trail(
    ctx: typer.Context,
    model: OnModel = None,
    since: Since = None,
    max_results: MaxResults = 100,
    page_token: PageToken = None,
    as_json: JsonFlag = False,
) -> None:
    """Show the audit trail: who did what to which model or version, when, before → after."""
    if ctx.invoked_subcommand is not None:
        return
    after = parse_since(since)
    with connect(ctx) as client:
        page = client.audit(model, after, max_results, page_token)
    if as_json:
        output.emit_list(page.items, page.next_page_token)
        return
    output.show(render.audit_table(page.items))
    output.next_page(page.next_page_token)


def _report_json(report: ChainReport) -> None:
    output.emit_json(wire.verify_out(report).model_dump(mode="json"))


@app.command("verify")
def verify(
    ctx: typer.Context,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            metavar="SEQ:HASH",
            help="A head saved earlier (audit head): also catch a tail cut off after it.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute the hash chain; name the first event changed, deleted or moved.

    Exits 1 when the chain does not verify, naming the first event that was changed,
    deleted, inserted or reordered.
    """
    with connect(ctx) as client:
        report = client.verify_audit(expect_head)
    if as_json:
        _report_json(report)
    elif report.ok:
        typer.echo(f"chain verifies: {report.events} events, head {report.head}")
    else:
        # plain lines, not rich: a head must stay on one line for scripts to cut it out
        typer.echo(
            f"audit chain BROKEN at event {report.broken_at}: {output.one_line(report.problem)}"
        )
        typer.echo(f"{report.events} events verify before it; recorded head {report.head}")
    if not report.ok:
        raise typer.Exit(1)


@app.command("head")
def head(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Print the chain's head as SEQ:HASH.

    Keep it outside the registry and pass it to `audit verify --expect-head` later.
    """
    with connect(ctx) as client:
        found = client.audit_head()
    if as_json:
        output.emit_json(wire.head_out(found).model_dump(mode="json"))
        return
    typer.echo(str(found))


class Format(StrEnum):
    JSONL = "jsonl"


@app.command("export")
def export(
    ctx: typer.Context,
    since: Since = None,
    model: OnModel = None,
    format_: Annotated[
        Format, typer.Option("--format", help="jsonl: one JSON event per line.")
    ] = Format.JSONL,
) -> None:
    """Stream events with their hashes, one JSON object per line, for a SIEM.

    Oldest first, with seq, prev_hash, hash and everything the hash covers; streamed,
    never held in memory all at once.
    """
    after = parse_since(since)
    with connect(ctx) as client:
        for event in client.export_audit(after, model):
            record = wire.event_out(event).model_dump(mode="json")
            # ASCII only: an event's text comes from users, and must not reach a terminal raw
            sys.stdout.write(json.dumps(record, ensure_ascii=True, sort_keys=True) + "\n")
