"""``modelyard transition``, ``rollback`` and ``history``: moving versions between stages."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli import output, render
from modelyard.cli.approvals import say_pending
from modelyard.cli.common import Comment, JsonFlag, ModelName, VersionRef, connect
from modelyard.domain.approvals import ApprovalRequest


def transition(
    ctx: typer.Context,
    name: ModelName,
    version: VersionRef,
    stage: Annotated[
        str,
        typer.Argument(help="None, Staging, Production or Archived.", show_default=False),
    ],
    archive_existing: Annotated[
        bool,
        typer.Option(
            "--archive-existing/--no-archive-existing",
            help="Archive the versions already in that stage.",
        ),
    ] = True,
    comment: Comment = "",
    as_json: JsonFlag = False,
) -> None:
    """Move a version to a stage; by default the versions already there are archived."""
    with connect(ctx) as client:
        mv = client.transition(name, version, stage, archive_existing, comment)
    if isinstance(mv, ApprovalRequest):
        say_pending(mv, as_json)
        return
    if as_json:
        output.emit_json(mv)
        return
    output.say(f"Moved {output.clean(mv.name)} v{mv.version} to", mv.stage)


def rollback(
    ctx: typer.Context, name: ModelName, comment: Comment = "", as_json: JsonFlag = False
) -> None:
    """Put the previous Production version back in Production, archiving the current one."""
    with connect(ctx) as client:
        mv = client.rollback(name, comment)
    if as_json:
        output.emit_json(mv)
        return
    output.say(f"Rolled back {output.clean(mv.name)}: Production is now", f"v{mv.version}")


def history(
    ctx: typer.Context,
    name: ModelName,
    version: Annotated[
        str | None,
        typer.Argument(help="Only this version (number, 'latest', stage or '@alias')."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show the stage history of a model (or one version), oldest first."""
    with connect(ctx) as client:
        changes = client.stage_history(name, version)
    if as_json:
        output.emit_list(changes)
        return
    output.show(render.history_table(changes))


def register(app: typer.Typer) -> None:
    app.command("transition")(transition)
    app.command("rollback")(rollback)
    app.command("history")(history)
