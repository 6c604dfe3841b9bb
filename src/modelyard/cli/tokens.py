"""``modelyard tokens …``: API tokens for the SDK, the CLI, CI jobs and the mlflow client."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from modelyard import wire
from modelyard.cli import output
from modelyard.cli.common import JsonFlag, connect
from modelyard.domain.tokens import ApiToken

app = typer.Typer(
    help="API tokens: create (the secret is shown once), list, revoke.", no_args_is_help=True
)
ForUser = Annotated[
    str | None,
    typer.Option("--user", help="Another user's or service account's tokens (admins)."),
]


def token_json(token: ApiToken) -> dict[str, object]:
    """The same shape as the REST answer: no hash, not even an empty one."""
    return wire.token_out(token).model_dump(mode="json")


def tokens_table(tokens: list[ApiToken]) -> Table:
    grid = output.table(
        "Id", "Name", "Created", "Expires", "Last used", "Revoked", nowrap=("Id", "Created")
    )
    for t in tokens:
        grid.add_row(
            output.text(t.id),
            output.text(t.name, style="bold"),
            output.when(t.created_at),
            output.when(t.expires_at) if t.expires_at else output.text("never"),
            output.when(t.last_used_at),
            output.when(t.revoked_at),
        )
    return grid


@app.command("create")
def create_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. ci.")],
    user: ForUser = None,
    expires: Annotated[
        str, typer.Option("--expires", help="Lifetime: 30m, 12h, 90d, 52w, or 'never'.")
    ] = "90d",
    as_json: JsonFlag = False,
) -> None:
    """Create a token and print its secret once.

    The token is alone on the last line ({"token": …} with --json). It is stored only as a
    hash and cannot be shown again.
    """
    with connect(ctx) as client:
        row, secret = client.create_token(name, user=user, expires=expires)
    if as_json:
        output.emit_json({**token_json(row), "token": secret})
        return
    until = row.expires_at.isoformat(timespec="seconds") if row.expires_at else "never"
    typer.echo(f"created token {output.one_line(row.name)} (id {row.id}), expires {until}")
    typer.echo("store it now, it is not shown again; use it as MODELYARD_TOKEN")
    typer.echo(secret)


@app.command("list")
def list_tokens(ctx: typer.Context, user: ForUser = None, as_json: JsonFlag = False) -> None:
    """List tokens (yours, or --user's as an admin); secrets are never shown."""
    with connect(ctx) as client:
        tokens = client.list_tokens(user)
    if as_json:
        output.emit_json({"items": [token_json(t) for t in tokens]})
        return
    output.show(tokens_table(tokens))


@app.command("revoke")
def revoke_token(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (tokens list).")],
) -> None:
    """Revoke a token; it stops working at once."""
    with connect(ctx) as client:
        client.revoke_token(token_id)
    output.say("revoked token", token_id)
