"""``modelyard webhooks …``: subscriptions that POST signed registry events to a URL."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from modelyard.cli import output
from modelyard.cli.common import JsonFlag, connect
from modelyard.domain.webhooks import Attempt, Delivery, Subscription
from modelyard.errors import InvalidArgument
from modelyard.wire.webhooks import attempt_out, delivery_out, webhook_out

app = typer.Typer(
    help="Webhooks (admins): signed POSTs of registry events, retried, with a delivery log.",
    no_args_is_help=True,
)
Id = Annotated[str, typer.Argument(help="The webhook's id.")]
Events = Annotated[
    str | None,
    typer.Option("--events", help="Comma-separated event types, e.g. stage.transitioned, or '*'."),
]
Model = Annotated[str | None, typer.Option("--model", help="Only events of this model.")]
SecretEnv = Annotated[
    str | None,
    typer.Option(
        "--secret-env",
        help="Read the signing secret (whsec_<base64>) from this environment variable; "
        "otherwise one is generated and shown once.",
    ),
]


def _secret(var: str | None) -> str | None:
    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        raise InvalidArgument(f"environment variable {var} is not set")
    return value


def _row(sub: Subscription) -> dict[str, object]:
    return webhook_out(sub).model_dump(mode="json")


def _table(subs: list[Subscription]) -> Table:
    grid = output.table("Id", "URL", "Events", "Model", "Enabled", nowrap=("Id",))
    for s in subs:
        grid.add_row(
            output.text(s.id),
            output.text(s.url, style="bold"),
            output.text(",".join(sorted(s.events))),
            output.text(s.model or "*"),
            output.text("yes" if s.enabled else "no"),
        )
    return grid


@app.command("create")
def create(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="https URL that receives the POSTs.")],
    events: Events = None,
    model: Model = None,
    description: Annotated[str, typer.Option("--description")] = "",
    secret_env: SecretEnv = None,
    as_json: JsonFlag = False,
) -> None:
    """Subscribe URL to events. A generated secret is printed once, alone on the last line."""
    with connect(ctx) as client:
        sub, secret = client.create_webhook(
            url,
            (events or "").split(","),
            model=model,
            description=description,
            secret=_secret(secret_env),
        )
    if as_json:
        output.emit_json({**_row(sub), "secret": secret})
        return
    typer.echo(f"created webhook {sub.id} -> {output.one_line(sub.url)}")
    if secret is not None:
        typer.echo("signing secret (store it now, it is not shown again):")
        typer.echo(secret)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List subscriptions (never their secrets)."""
    with connect(ctx) as client:
        subs = client.list_webhooks()
    if as_json:
        output.emit_json({"items": [_row(s) for s in subs]})
        return
    output.show(_table(subs))


@app.command("show")
def show(ctx: typer.Context, webhook_id: Id, as_json: JsonFlag = False) -> None:
    """One subscription."""
    with connect(ctx) as client:
        sub = client.get_webhook(webhook_id)
    if as_json:
        output.emit_json(_row(sub))
        return
    output.show(_table([sub]))


@app.command("update")
def update(
    ctx: typer.Context,
    webhook_id: Id,
    url: Annotated[str | None, typer.Option("--url")] = None,
    events: Events = None,
    model: Model = None,
    all_models: Annotated[
        bool, typer.Option("--all-models", help="Drop the model filter.")
    ] = False,
    enable: Annotated[bool | None, typer.Option("--enable/--disable")] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a subscription; options left out keep their value."""
    kinds = None if events is None else events.split(",")
    with connect(ctx) as client:
        sub = client.update_webhook(
            webhook_id,
            url=url,
            events=kinds,
            model=model,
            all_models=all_models,
            enabled=enable,
            description=description,
        )
    if as_json:
        output.emit_json(_row(sub))
        return
    output.show(_table([sub]))


@app.command("disable")
def disable(ctx: typer.Context, webhook_id: Id) -> None:
    """Pause deliveries; pending ones resume on `update --enable`."""
    with connect(ctx) as client:
        client.disable_webhook(webhook_id)
    typer.echo(f"disabled webhook {webhook_id}")


@app.command("delete")
def delete(ctx: typer.Context, webhook_id: Id) -> None:
    """Delete a subscription, its pending deliveries and its log."""
    with connect(ctx) as client:
        client.delete_webhook(webhook_id)
    typer.echo(f"deleted webhook {webhook_id}")


@app.command("rotate-secret")
def rotate_secret(
    ctx: typer.Context,
    webhook_id: Id,
    secret_env: SecretEnv = None,
    grace: Annotated[int, typer.Option("--grace-seconds", min=0)] = 86400,
) -> None:
    """New signing secret; the old one also signs for the grace period."""
    with connect(ctx) as client:
        fresh = client.rotate_webhook_secret(
            webhook_id, secret=_secret(secret_env), grace_seconds=grace
        )
    typer.echo(f"rotated the secret of webhook {webhook_id}")
    if fresh is not None:
        typer.echo("new signing secret (store it now, it is not shown again):")
        typer.echo(fresh)


@app.command("test")
def test(ctx: typer.Context, webhook_id: Id) -> None:
    """Send a signed webhook.test event now and print the answer; exit 1 unless 2xx."""
    with connect(ctx) as client:
        result = client.test_webhook(webhook_id)
    status = result.status if result.status is not None else "-"
    typer.echo(f"status {status} in {result.latency_ms} ms {output.one_line(result.error)}")
    if not result.ok:
        raise typer.Exit(1)


def _deliveries(items: list[Delivery]) -> Table:
    grid = output.table("Id", "Seq", "Status", "Attempts", "Next", "Last", nowrap=("Id",))
    for d in items:
        last = f"{d.last_status or '-'} {d.last_error}".strip()
        grid.add_row(
            output.text(d.id),
            output.text(d.seq),
            output.text(d.status.value, style="bold"),
            output.text(d.attempts),
            output.when(d.next_at),
            output.text(last),
        )
    return grid


def _attempts(items: list[Attempt]) -> Table:
    grid = output.table("#", "At", "Status", "Latency ms", "Error", "Response")
    for a in items:
        r = a.result
        grid.add_row(
            output.text(a.number),
            output.when(a.at),
            output.text(r.status if r.status is not None else "-"),
            output.text(r.latency_ms),
            output.text(r.error),
            output.text(output.one_line(r.excerpt)[:80]),
        )
    return grid


@app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    webhook_id: Id,
    attempts_of: Annotated[
        str | None, typer.Option("--attempts", help="Show every attempt of this delivery.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The delivery log, newest first; --attempts DELIVERY_ID for one delivery's attempts."""
    with connect(ctx) as client:
        found = client.webhook_deliveries(webhook_id, limit)
        tries = client.delivery_attempts(attempts_of) if attempts_of else None
    if as_json:
        rows = [delivery_out(d).model_dump(mode="json") for d in found]
        extra = (
            {}
            if tries is None
            else {"attempts": [attempt_out(a).model_dump(mode="json") for a in tries]}
        )
        output.emit_json({"items": rows, **extra})
        return
    output.show(_attempts(tries) if tries is not None else _deliveries(found))


@app.command("redeliver")
def redeliver(ctx: typer.Context, delivery_id: Annotated[str, typer.Argument()]) -> None:
    """Queue a delivery again, with a fresh retry window."""
    with connect(ctx) as client:
        again = client.redeliver(delivery_id)
    typer.echo(f"queued delivery {again.id} (event {again.seq}) again")
