"""``modelyard fsck``: verify the store."""

from __future__ import annotations

import typer

from modelyard.cli import output
from modelyard.cli.common import JsonFlag, connect


def fsck(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Hash every blob a live version references and verify the audit chain.

    Read-only. Exits 1 when a blob is missing or corrupt, or the audit chain is broken.
    """
    with connect(ctx) as client:
        report = client.fsck()
    if as_json:
        output.emit_json(
            {
                "ok": report.ok,
                "versions": report.versions,
                "blobs": report.blobs,
                "audit_events": report.audit_events,
                "audit_ok": report.audit_ok,
                "audit_problem": report.audit_problem,
                "problems": report.problems,
            }
        )
    else:
        output.say(
            f"checked {report.versions} versions, {report.blobs} blobs and "
            f"{report.audit_events} audit events:",
            "ok" if report.ok else "PROBLEMS",
        )
        for p in report.problems:
            output.say(f"{p.kind}:", f"{p.model} v{p.version} {p.path} sha256:{p.digest}")
        if not report.audit_ok:
            output.say("audit chain:", f"BROKEN: {report.audit_problem}".rstrip(": "))
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("fsck")(fsck)
