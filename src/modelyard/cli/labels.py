"""``modelyard alias …`` and ``modelyard tag …``: the mutable labels on models and versions."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli import output
from modelyard.cli.common import JsonFlag, ModelName, VersionRef, connect
from modelyard.domain.entities import ModelVersion, RegisteredModel

aliases = typer.Typer(help="Aliases: named pointers to a version (e.g. champion).")
tags = typer.Typer(help="Tags: KEY=VALUE labels on a model, or on a version with --version.")

AliasName = Annotated[
    str,
    typer.Argument(help="Alias name: not a number, a stage name or 'latest'.", show_default=False),
]
TagKey = Annotated[str, typer.Argument(help="Tag key.", show_default=False)]
OnVersion = Annotated[
    str | None,
    typer.Option("--version", "-v", help="Tag this version (number, 'latest', stage or '@alias')."),
]


@aliases.command("set")
def set_alias(
    ctx: typer.Context,
    name: ModelName,
    alias: AliasName,
    version: VersionRef,
    as_json: JsonFlag = False,
) -> None:
    """Point an alias at a version, moving it if it pointed elsewhere."""
    with connect(ctx) as client:
        mv = client.set_alias(name, alias, version)
    if as_json:
        output.emit_json(mv)
        return
    output.say(f"@{output.clean(alias)} now points at", f"{mv.name} v{mv.version}")


@aliases.command("delete")
def delete_alias(
    ctx: typer.Context, name: ModelName, alias: AliasName, as_json: JsonFlag = False
) -> None:
    """Remove an alias from a model."""
    with connect(ctx) as client:
        model = client.delete_alias(name, alias)
    if as_json:
        output.emit_json(model)
        return
    output.say(f"Deleted alias @{output.clean(alias)} from", model.name)


def _label(target: RegisteredModel | ModelVersion) -> str:
    if isinstance(target, ModelVersion):
        return f"{target.name} v{target.version}"
    return target.name


@tags.command("set")
def set_tag(
    ctx: typer.Context,
    name: ModelName,
    key: TagKey,
    value: Annotated[str, typer.Argument(help="Tag value.", show_default=False)],
    version: OnVersion = None,
    as_json: JsonFlag = False,
) -> None:
    """Set a tag on a model, or on one of its versions with --version."""
    target: RegisteredModel | ModelVersion
    with connect(ctx) as client:
        if version is None:
            target = client.set_model_tag(name, key, value)
        else:  # the server resolves 'latest' or an alias once and answers that version
            target = client.set_version_tag(name, version, key, value)
    if as_json:
        output.emit_json(target)
        return
    output.say(f"Set tag {output.clean(key)}={output.clean(value)} on", _label(target))


@tags.command("delete")
def delete_tag(
    ctx: typer.Context,
    name: ModelName,
    key: TagKey,
    version: OnVersion = None,
    as_json: JsonFlag = False,
) -> None:
    """Delete a tag from a model, or from one of its versions with --version."""
    target: RegisteredModel | ModelVersion
    with connect(ctx) as client:
        if version is None:
            target = client.delete_model_tag(name, key)
        else:
            target = client.delete_version_tag(name, version, key)
    if as_json:
        output.emit_json(target)
        return
    output.say(f"Deleted tag {output.clean(key)} from", _label(target))
