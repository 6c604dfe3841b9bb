"""``modelyard versions …``: the versions of one model."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli import output, render
from modelyard.cli.common import JsonFlag, ModelName, VersionRef, YesFlag, confirm, connect

app = typer.Typer(
    help="Model versions: list, show, describe, delete.",
    no_args_is_help=True,
)


@app.command("list")
def list_versions(ctx: typer.Context, name: ModelName, as_json: JsonFlag = False) -> None:
    """List every live version of a model, newest first."""
    with connect(ctx) as client:
        versions = client.list_versions(name)
    if as_json:
        output.emit_list(versions)
        return
    output.show(render.versions_table(versions))


@app.command("show")
def show_version(
    ctx: typer.Context, name: ModelName, version: VersionRef, as_json: JsonFlag = False
) -> None:
    """Show a version: files (size, digest), run, flavor, signature, requirements, stage,
    aliases and tags."""
    with connect(ctx) as client:
        mv = client.get_version(name, version)
    if as_json:
        output.emit_json(mv)
        return
    output.show(render.version_detail(mv))


@app.command("describe")
def describe_version(
    ctx: typer.Context,
    name: ModelName,
    version: VersionRef,
    description: Annotated[str, typer.Argument(help="The new description.", show_default=False)],
    as_json: JsonFlag = False,
) -> None:
    """Replace a version's description."""
    with connect(ctx) as client:
        mv = client.update_version(name, version, description)
    if as_json:
        output.emit_json(mv)
        return
    output.say("Updated the description of", f"{mv.name} v{mv.version}")


@app.command("delete")
def delete_version(
    ctx: typer.Context,
    name: ModelName,
    version: VersionRef,
    yes: YesFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Delete a version (a soft delete, audited; its number is never reused).
    Asks first unless --yes."""
    with connect(ctx) as client:
        # Resolve first, so the prompt names the number and the delete hits that same
        # version even if 'latest' or an alias moves meanwhile.
        mv = client.get_version(name, version)
        confirm(f"delete version {mv.version} of model {mv.name!r}", yes)
        client.delete_version(mv.name, mv.version)
    if as_json:
        output.emit_json({"name": mv.name, "version": mv.version, "deleted": True})
        return
    output.say("Deleted", f"{mv.name} v{mv.version}")
