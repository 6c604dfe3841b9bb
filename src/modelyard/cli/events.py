"""``modelyard events watch``: follow the registry's event feed and run a command per
event, resuming from a saved cursor (a CI runner behind a firewall deploys on promotion)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from modelyard.cli import output
from modelyard.cli.common import connect
from modelyard.domain.events import RegistryEvent
from modelyard.errors import InvalidArgument

app = typer.Typer(help="Registry events: follow the feed and act on each event.")

WAIT = 30.0  # seconds a read of the feed waits for news (the server's maximum)


def read_cursor(path: Path | None, default: int) -> int:
    """The last sequence handled, from the cursor file; ``default`` when there is none."""
    if path is None or not path.exists():
        return default
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not text.isdigit():
        raise InvalidArgument(f"cursor file {str(path)!r} holds no sequence number")
    return int(text)


def save_cursor(path: Path, seq: int) -> None:
    """Write the cursor atomically: a crash leaves the old or the new value, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(f"{seq}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def handle(event: RegistryEvent, command: list[str] | None) -> int:
    """Run the command with the event's JSON on stdin (no shell), or print the JSON line;
    the command's exit status (0 when printing)."""
    body = json.dumps(event.payload(), sort_keys=True)
    if command is None:
        sys.stdout.write(body + "\n")
        sys.stdout.flush()
        return 0
    try:
        return subprocess.run(command, input=body.encode(), check=False).returncode
    except FileNotFoundError:
        raise InvalidArgument(f"command not found: {command[0]!r}") from None


def _command(value: str | None) -> list[str] | None:
    if value is None:
        return None
    try:
        command = shlex.split(value)
    except ValueError as exc:
        raise InvalidArgument(f"--exec: {exc}") from None
    if not command:
        raise InvalidArgument("--exec names no command")
    return command


Model = Annotated[str | None, typer.Option("--model", help="Only events of this model.")]
Types = Annotated[
    list[str] | None,
    typer.Option("--type", help="Only events of this type (repeat, or comma-separate)."),
]
Exec = Annotated[
    str | None,
    typer.Option(
        "--exec",
        help="Run this command per event with the event's JSON on stdin (split like a "
        "shell would, but run without one). Without it, print one JSON line per event.",
    ),
]
Cursor = Annotated[
    Path | None,
    typer.Option("--cursor", help="Resume after the sequence saved here; saved per event."),
]
Once = Annotated[bool, typer.Option("--once", help="Handle what is there, then exit.")]
After = Annotated[
    int, typer.Option("--after", min=0, help="Start after this sequence when no cursor is saved.")
]


@app.command()
def watch(
    ctx: typer.Context,
    model: Model = None,
    types: Types = None,
    exec_: Exec = None,
    cursor: Cursor = None,
    once: Once = False,
    after: After = 0,
) -> None:
    """Follow the event feed, oldest first, and handle each event once.

    After a command exits 0 the event's sequence is saved to the cursor file (atomically),
    so a restart resumes after the last event handled. A command that fails stops the
    watch with exit status 2, the cursor left before that event, so the next start retries
    it. Ctrl-C stops cleanly (exit 130).
    """
    command = _command(exec_)
    wanted = [t for item in types or [] for t in item.split(",") if t.strip()] or None
    last = read_cursor(cursor, after)
    try:
        with connect(ctx) as client:
            for event in client.follow_events(
                last, model=model, types=wanted, wait=WAIT, until_idle=once
            ):
                status = handle(event, command)
                if status != 0:
                    output.error(
                        "COMMAND_FAILED",
                        f"the command exited {status} on event {event.seq}; cursor left at {last}",
                    )
                    raise typer.Exit(2)
                last = event.seq
                if cursor is not None:
                    save_cursor(cursor, last)
    except KeyboardInterrupt:
        output.error("INTERRUPTED", f"stopped; last event handled: {last}")
        raise typer.Exit(130) from None
