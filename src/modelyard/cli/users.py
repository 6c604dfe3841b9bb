"""``modelyard users …``: people and service accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from modelyard import wire
from modelyard.cli import output
from modelyard.cli.common import JsonFlag, connect, interactive
from modelyard.domain.identity import User
from modelyard.errors import InvalidArgument

app = typer.Typer(
    help="Users and service accounts: create, list, disable, set a password (admins).",
    no_args_is_help=True,
)
UserName = Annotated[str, typer.Argument(help="User or service account name.", show_default=False)]


def user_json(user: User) -> dict[str, object]:
    """The same shape as the REST answer: no password hash, not even an empty one."""
    return wire.user_out(user).model_dump(mode="json")


def users_table(users: list[User]) -> Table:
    grid = output.table("Name", "Kind", "Created", "By", "Disabled", nowrap=("Created", "Disabled"))
    for u in users:
        grid.add_row(
            output.text(u.name, style="bold"),
            output.text(u.kind.value),
            output.when(u.created_at),
            output.text(u.created_by),
            output.when(u.disabled_at),
        )
    return grid


@app.command("create")
def create_user(
    ctx: typer.Context,
    name: UserName,
    service: Annotated[
        bool, typer.Option("--service", help="A service account: tokens only, no password.")
    ] = False,
    role: Annotated[
        str | None,
        typer.Option("--role", help="Grant this role globally: viewer, editor, maintainer, admin."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a user (or with --service a service account), optionally with a global role."""
    with connect(ctx) as client:
        user = client.create_user(name, service=service, role=role)
    if as_json:
        output.emit_json(user_json(user))
        return
    kind = "service account" if service else "user"
    output.say(f"created {kind}", user.name)
    if role is not None:
        output.say("granted globally:", role.lower())


@app.command("list")
def list_users(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List users and service accounts, disabled ones included."""
    with connect(ctx) as client:
        users = client.list_users()
    if as_json:
        output.emit_json({"items": [user_json(u) for u in users]})
        return
    output.show(users_table(users))


@app.command("disable")
def disable_user(ctx: typer.Context, name: UserName) -> None:
    """Disable a user: its tokens and password stop working at once."""
    with connect(ctx) as client:
        client.disable_user(name)
    output.say("disabled", name)


def read_password(from_stdin: bool) -> str:
    """The new password: typed twice at a prompt, or one line on stdin with
    --password-stdin (for scripts); never an argument, where shells and ps would keep it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not interactive():
        raise InvalidArgument(
            "no terminal to prompt for the password: pipe it with --password-stdin"
        )
    value: str = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("password")
def set_password(
    ctx: typer.Context,
    name: UserName,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Set a user's password for the web UI's sign-in (prompted; never an argument)."""
    password = read_password(password_stdin)
    with connect(ctx) as client:
        client.set_password(name, password)
    output.say("password set for", name)
