"""``modelyard approvals …`` and ``modelyard models protect/unprotect/set/settings``:
protected aliases, approval requirements and deciding approval requests."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from modelyard.cli import models, output
from modelyard.cli.common import Comment, JsonFlag, MaxResults, ModelName, PageToken, connect
from modelyard.domain.approvals import ApprovalRequest, ModelSettings
from modelyard.errors import InvalidArgument
from modelyard.wire.approvals import approval_out, settings_out

app = typer.Typer(
    help="Approval requests: changes to protected aliases and stages waiting for approval.",
    no_args_is_help=True,
)

RequestId = Annotated[str, typer.Argument(help="Approval request id.", show_default=False)]
Aliases = Annotated[
    list[str],
    typer.Option("--alias", "-a", help="Alias name (repeatable).", show_default=False),
]
_DURATION = re.compile(r"([0-9]{1,6})([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def approval_json(r: ApprovalRequest) -> dict[str, Any]:
    return approval_out(r).model_dump(mode="json")


def describe(r: ApprovalRequest) -> str:
    c = r.change
    what = f"move v{c.version} to {c.stage.value}" if c.stage is not None else ""
    if c.alias is not None:
        what = f"point @{c.alias} at v{c.version}" if c.kind.value == "alias.set" else ""
        what = what or f"delete @{c.alias}"
    return output.clean(f"{r.name}: {what}")


def say_pending(r: ApprovalRequest, as_json: bool) -> None:
    """What a transition or alias command prints when its change became a request."""
    if as_json:
        output.emit_json({"approval": approval_json(r)})
        return
    output.say(f"Needs approval ({describe(r)}); pending request", r.id)


def _table(items: list[ApprovalRequest]) -> Any:
    t = output.table(
        "id", "change", "requested by", "requested", "status", "comment", nowrap=("id",)
    )
    for r in items:
        t.add_row(
            output.text(r.id),
            output.text(describe(r)),
            output.text(r.requested_by),
            output.when(r.requested_at),
            output.text(r.status.value),
            output.text(output.one_line(r.change.comment)),
        )
    return t


@app.command("list")
def list_requests(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option("--model", help="Only this model.")] = None,
    version: Annotated[
        str | None, typer.Option("--version", "-v", help="Only this version (with --model).")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(help="pending, approved, rejected, expired or superseded."),
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only requests I made.")] = False,
    max_results: MaxResults = 100,
    page_token: PageToken = None,
    as_json: JsonFlag = False,
) -> None:
    """List approval requests, newest first."""
    if version is not None and model is None:
        raise InvalidArgument("--version needs --model")
    with connect(ctx) as client:
        page = client.approvals(
            model,
            version,
            status=status,
            mine=mine,
            max_results=max_results,
            page_token=page_token,
        )
    if as_json:
        output.emit_json(
            {
                "items": [approval_json(r) for r in page.items],
                "next_page_token": page.next_page_token,
            }
        )
        return
    output.show(_table(page.items))
    output.next_page(page.next_page_token)


@app.command("show")
def show_request(ctx: typer.Context, request_id: RequestId, as_json: JsonFlag = False) -> None:
    """Show one approval request."""
    with connect(ctx) as client:
        r = client.get_approval(request_id)
    _print(r, as_json)


def _print(r: ApprovalRequest, as_json: bool) -> None:
    if as_json:
        output.emit_json(approval_json(r))
        return
    output.show(_table([r]))


@app.command("approve")
def approve(
    ctx: typer.Context, request_id: RequestId, comment: Comment = "", as_json: JsonFlag = False
) -> None:
    """Approve a request and carry its change out (never your own request)."""
    with connect(ctx) as client:
        r = client.approve(request_id, comment)
    if as_json:
        _print(r, True)
        return
    output.say(f"Approved and done ({describe(r)}):", r.id)


@app.command("reject")
def reject(
    ctx: typer.Context, request_id: RequestId, comment: Comment = "", as_json: JsonFlag = False
) -> None:
    """Reject a request (or withdraw your own)."""
    with connect(ctx) as client:
        r = client.reject(request_id, comment)
    if as_json:
        _print(r, True)
        return
    output.say(f"Rejected ({describe(r)}):", r.id)


@app.command("expire")
def expire(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Record every pending request past its expiry as expired (audited; for cron)."""
    with connect(ctx) as client:
        count = client.expire_approvals()
    if as_json:
        output.emit_json({"expired": count})
        return
    output.say("Expired requests:", count)


# model settings (commands of ``modelyard models``) ----------------------------------------


def _show_settings(s: ModelSettings, as_json: bool) -> None:
    if as_json:
        output.emit_json(settings_out(s).model_dump(mode="json"))
        return
    days = s.request_ttl.total_seconds() / 86400
    output.show(
        output.fields(
            [
                ("protected aliases", output.text(", ".join(sorted(s.protected_aliases)) or "-")),
                (
                    "approval for Production",
                    output.text("yes" if s.require_approval_production else "no"),
                ),
                ("four eyes", output.text("yes" if s.four_eyes else "no")),
                ("requests expire after", output.text(f"{days:g} days")),
            ]
        )
    )


def settings(ctx: typer.Context, name: ModelName, as_json: JsonFlag = False) -> None:
    """Show a model's protected aliases and approval requirements."""
    with connect(ctx) as client:
        s = client.model_settings(name)
    _show_settings(s, as_json)


def protect(ctx: typer.Context, name: ModelName, alias: Aliases, as_json: JsonFlag = False) -> None:
    """Protect aliases: only a maintainer (or an approved request) moves them."""
    with connect(ctx) as client:
        s = client.update_model_settings(name, protect=alias)
    _show_settings(s, as_json)


def unprotect(
    ctx: typer.Context, name: ModelName, alias: Aliases, as_json: JsonFlag = False
) -> None:
    """Stop protecting aliases."""
    with connect(ctx) as client:
        s = client.update_model_settings(name, unprotect=alias)
    _show_settings(s, as_json)


def parse_duration(value: str) -> int:
    """``7d``, ``12h``, ``30m`` or seconds, as seconds."""
    m = _DURATION.fullmatch(value.strip())
    if m is None:
        raise InvalidArgument(f"invalid duration {value[:20]!r}: e.g. 7d, 12h, 30m")
    return int(m.group(1)) * _UNIT[m.group(2)]


def _approval_stage(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.casefold() != "production":
        raise InvalidArgument("--require-approval takes 'production' (the only governed stage)")
    return True


def set_settings(
    ctx: typer.Context,
    name: ModelName,
    require_approval: Annotated[
        str | None,
        typer.Option("--require-approval", help="'production': moves there need approval."),
    ] = None,
    no_require_approval: Annotated[
        bool, typer.Option("--no-require-approval", help="Production moves need no approval.")
    ] = False,
    four_eyes: Annotated[
        bool | None,
        typer.Option(
            "--four-eyes/--no-four-eyes",
            help="Every protected change needs another person's approval, a maintainer's too.",
        ),
    ] = None,
    expiry: Annotated[
        str | None, typer.Option("--request-expiry", help="How long requests stay open: 7d, 12h.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a model's approval requirements (maintainer on the model; audited)."""
    required = _approval_stage(require_approval)
    if no_require_approval:
        if required:
            raise InvalidArgument("--require-approval and --no-require-approval contradict")
        required = False
    ttl = parse_duration(expiry) if expiry is not None else None
    with connect(ctx) as client:
        s = client.update_model_settings(
            name,
            require_approval_production=required,
            four_eyes=four_eyes,
            request_ttl_seconds=ttl,
        )
    _show_settings(s, as_json)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="approvals")
    models.app.command("settings")(settings)
    models.app.command("protect")(protect)
    models.app.command("unprotect")(unprotect)
    models.app.command("set")(set_settings)
