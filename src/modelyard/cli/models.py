"""``modelyard models …``: registered models."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli import output, render
from modelyard.cli.common import (
    JsonFlag,
    MaxResults,
    ModelName,
    PageToken,
    YesFlag,
    confirm,
    connect,
    parse_tags,
)

app = typer.Typer(
    help="Registered models: list, show, create, rename, describe, delete.",
    no_args_is_help=True,
)


@app.command("list")
def list_models(
    ctx: typer.Context,
    filter_: Annotated[
        str | None,
        typer.Option("--filter", "-f", help="e.g. \"name LIKE '%fraud%' AND tags.team = 'risk'\""),
    ] = None,
    max_results: MaxResults = 100,
    page_token: PageToken = None,
    as_json: JsonFlag = False,
) -> None:
    """List registered models, optionally filtered by name and tags."""
    with connect(ctx) as client:
        page = client.search_models(filter_, max_results, page_token)
    if as_json:
        output.emit_list(page.items, page.next_page_token)
        return
    output.show(render.models_table(page.items))
    output.next_page(page.next_page_token)


@app.command("show")
def show_model(ctx: typer.Context, name: ModelName, as_json: JsonFlag = False) -> None:
    """Show one model: description, latest version, aliases and tags."""
    with connect(ctx) as client:
        model = client.get_model(name)
    if as_json:
        output.emit_json(model)
        return
    output.show(render.model_detail(model))


@app.command("create")
def create_model(
    ctx: typer.Context,
    name: ModelName,
    description: Annotated[
        str, typer.Option("--description", "-d", help="What the model is for.")
    ] = "",
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", help="KEY=VALUE; repeat for several tags."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a new model name (unique, ignoring case)."""
    tags = parse_tags(tag)
    with connect(ctx) as client:
        model = client.create_model(name, description, tags)
    if as_json:
        output.emit_json(model)
        return
    output.say("Created model", model.name)


@app.command("rename")
def rename_model(
    ctx: typer.Context,
    name: ModelName,
    new_name: Annotated[str, typer.Argument(help="The new name.", show_default=False)],
    as_json: JsonFlag = False,
) -> None:
    """Rename a model; its versions, aliases and history follow (audited)."""
    with connect(ctx) as client:
        model = client.rename_model(name, new_name)
    if as_json:
        output.emit_json(model)
        return
    output.say(f"Renamed model {output.clean(name)} to", model.name)


@app.command("describe")
def describe_model(
    ctx: typer.Context,
    name: ModelName,
    description: Annotated[str, typer.Argument(help="The new description.", show_default=False)],
    as_json: JsonFlag = False,
) -> None:
    """Replace a model's description."""
    with connect(ctx) as client:
        model = client.update_model(name, description)
    if as_json:
        output.emit_json(model)
        return
    output.say("Updated the description of model", model.name)


@app.command("delete")
def delete_model(
    ctx: typer.Context, name: ModelName, yes: YesFlag = False, as_json: JsonFlag = False
) -> None:
    """Delete a model and all its versions (a soft delete, audited). Asks first unless --yes."""
    with connect(ctx) as client:
        model = client.get_model(name)
        confirm(f"delete model {model.name!r} and all its versions", yes)
        client.delete_model(model.name)
    if as_json:
        output.emit_json({"name": model.name, "deleted": True})
        return
    output.say("Deleted model", model.name)
