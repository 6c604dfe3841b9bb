"""``modelyard grants …``: who holds which role, globally, per model or per name prefix."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from modelyard import wire
from modelyard.cli import output
from modelyard.cli.common import JsonFlag, connect
from modelyard.domain.identity import Grant

app = typer.Typer(
    help="Roles viewer < editor < maintainer < admin, granted globally, on a model or on a "
    "name prefix such as fraud-*.",
    no_args_is_help=True,
)
UserArg = Annotated[str, typer.Argument(metavar="USER", help="User or service account.")]
OnModel = Annotated[str | None, typer.Option("--model", help="On this registered model only.")]
OnPrefix = Annotated[
    str | None, typer.Option("--prefix", help="On every model whose name starts so, e.g. fraud-*.")
]


def grant_json(grant: Grant) -> dict[str, object]:
    return wire.grant_out(grant).model_dump(mode="json")


def _where(g: wire.GrantOut) -> str:
    if g.scope == "model":
        return f"model {g.model if g.model is not None else '(deleted) ' + str(g.model_id)}"
    return f"prefix {g.prefix}" if g.scope == "prefix" else "global"


def grants_table(grants: list[Grant]) -> Table:
    grid = output.table("User", "Role", "Where")
    for g in grants:
        shown = wire.grant_out(g)
        grid.add_row(
            output.text(shown.user, style="bold"),
            output.text(shown.role),
            output.text(_where(shown)),
        )
    return grid


@app.command("set")
def set_grant(
    ctx: typer.Context,
    user: UserArg,
    role: Annotated[str, typer.Argument(metavar="ROLE", help="viewer, editor, maintainer, admin.")],
    model: OnModel = None,
    prefix: OnPrefix = None,
    as_json: JsonFlag = False,
) -> None:
    """Give USER the ROLE globally, on --model, or on --prefix (replacing its role there)."""
    with connect(ctx) as client:
        grant = client.set_grant(user, role, model=model, prefix=prefix)
    if as_json:
        output.emit_json(grant_json(grant))
        return
    output.say(f"granted {grant.role.label} ({_where(wire.grant_out(grant))}) to", user)


@app.command("list")
def list_grants(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", help="Only this user's grants.")] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Only grants that apply to this model (incl. prefix, global)."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List grants: all of them (admins), or --user's (anyone may list their own)."""
    with connect(ctx) as client:
        grants = client.list_grants(user, model)
    if as_json:
        output.emit_json({"items": [grant_json(g) for g in grants]})
        return
    output.show(grants_table(grants))


@app.command("revoke")
def revoke_grant(
    ctx: typer.Context, user: UserArg, model: OnModel = None, prefix: OnPrefix = None
) -> None:
    """Take back USER's global grant, or its grant on --model or --prefix."""
    with connect(ctx) as client:
        client.revoke_grant(user, model=model, prefix=prefix)
    output.say("revoked grant of", user)
