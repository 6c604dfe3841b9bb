"""Rich views of registry entities; every value goes through :func:`output.text`."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from modelyard.cli.output import compact, fields, pairs, size, table, text, when
from modelyard.domain.entities import (
    AuditEvent,
    ModelVersion,
    RegisteredModel,
    Run,
    StageChange,
)


def _aliases(aliases: dict[str, int]) -> Text:
    return text("\n".join(f"@{a} → v{v}" for a, v in sorted(aliases.items())))


def _version_aliases(aliases: tuple[str, ...]) -> Text:
    return text(", ".join(f"@{a}" for a in aliases))


def models_table(models: list[RegisteredModel]) -> Table:
    grid = table("Name", "Latest", "Aliases", "Tags", "Updated", "Description", nowrap=("Updated",))
    for m in models:
        grid.add_row(
            text(m.name, style="bold"),
            text(m.latest_version or None),
            _aliases(m.aliases),
            pairs(m.tags),
            when(m.updated_at),
            text(m.description.splitlines()[0] if m.description else None),
        )
    return grid


def model_detail(m: RegisteredModel) -> Table:
    return fields(
        [
            ("name", text(m.name, style="bold")),
            ("description", text(m.description)),
            ("latest version", text(m.latest_version or None)),
            ("aliases", _aliases(m.aliases)),
            ("tags", pairs(m.tags)),
            ("created", Text.assemble(when(m.created_at), " by ", text(m.created_by))),
            ("updated", when(m.updated_at)),
            ("id", text(m.id)),
        ]
    )


def versions_table(versions: list[ModelVersion], *, with_name: bool = False) -> Table:
    columns = ["Version", "Stage", "Aliases", "Tags", "Created", "By"]
    grid = table(*(["Name", *columns] if with_name else columns), nowrap=("Created",))
    for v in versions:
        row: list[RenderableType] = [
            text(v.version, style="bold"),
            text(v.stage),
            _version_aliases(v.aliases),
            pairs(v.tags),
            when(v.created_at),
            text(v.created_by),
        ]
        grid.add_row(*([text(v.name, style="bold"), *row] if with_name else row))
    return grid


def _files(v: ModelVersion) -> Table:
    grid = table("Path", "Size", "Digest", title="files")
    for entry in v.manifest.entries:
        grid.add_row(text(entry.path), text(size(entry.size)), text(f"sha256:{entry.sha256}"))
    return grid


def version_detail(v: ModelVersion) -> Group:
    about = fields(
        [
            ("model", text(v.name, style="bold")),
            ("version", text(v.version, style="bold")),
            ("stage", text(v.stage)),
            ("aliases", _version_aliases(v.aliases)),
            ("tags", pairs(v.tags)),
            ("description", text(v.description)),
            ("run id", text(v.run_id)),
            ("flavor", text(v.flavor)),
            ("flavor metadata", text(compact(v.flavor_metadata) if v.flavor_metadata else None)),
            ("signature", text(compact(v.signature) if v.signature else None)),
            ("requirements", text("\n".join(v.requirements))),
            ("python", text(v.python_version)),
            ("source", text(v.source)),
            ("created", Text.assemble(when(v.created_at), " by ", text(v.created_by))),
            ("updated", when(v.updated_at)),
            ("manifest", text(f"sha256:{v.manifest_digest}")),
            ("total size", text(size(v.manifest.total_size))),
        ]
    )
    return Group(about, _files(v))


def history_table(changes: list[StageChange]) -> Table:
    grid = table("When", "Version", "From", "To", "Actor", "Comment", nowrap=("When",))
    for c in changes:
        grid.add_row(
            when(c.at),
            text(c.version, style="bold"),
            text(c.from_stage),
            text(c.to_stage),
            text(c.actor),
            text(c.comment),
        )
    return grid


def _target(e: AuditEvent) -> Text:
    if e.model is None:
        return text(None)
    return text(e.model if e.version is None else f"{e.model} v{e.version}")


def audit_table(events: list[AuditEvent]) -> Table:
    grid = table(
        "#", "When", "Who", "Action", "Target", "Before → after", nowrap=("When", "Action")
    )
    for e in events:
        grid.add_row(
            text(e.seq),
            when(e.at),
            text(e.actor, style="bold"),
            text(e.action),
            _target(e),
            text(f"{compact(e.before)} → {compact(e.after)}"),
        )
    return grid


def _code(run: Run) -> Text:
    if run.git_commit is None:
        return text(None)
    dirty = {True: " (dirty)", False: " (clean)", None: ""}[run.git_dirty]
    return text(f"{run.git_commit}{dirty}")


def _run_fields(run: Run) -> Table:
    return fields(
        [
            ("run", text(run.id, style="bold")),
            ("name", text(run.name)),
            ("experiment", text(run.experiment)),
            ("status", text(run.status)),
            ("user", text(run.user)),
            ("started", when(run.started_at)),
            ("ended", when(run.ended_at)),
            ("code version", _code(run)),
            ("python", text(run.python_version)),
            ("packages", text(f"{len(run.packages)} recorded (see --json)")),
            ("tags", pairs(run.tags)),
        ]
    )


def _params(run: Run) -> Table:
    grid = table("Param", "Value", title="params")
    for key, value in sorted(run.params.items()):
        grid.add_row(text(key), text(value))
    return grid


def _metrics(run: Run) -> Table:
    grid = table("Metric", "Value", "Step", "When", title="metrics", nowrap=("When",))
    for m in sorted(run.metrics, key=lambda m: (m.key, m.step, m.timestamp)):
        grid.add_row(text(m.key), text(m.value), text(m.step), when(m.timestamp))
    return grid


def _datasets(run: Run) -> Table:
    grid = table("Dataset", "Digest", "Source", "Context", title="datasets")
    for d in run.datasets:
        grid.add_row(text(d.name), text(d.digest), text(d.source), text(d.context))
    return grid


def run_detail(run: Run) -> Group:
    return Group(_run_fields(run), _params(run), _metrics(run), _datasets(run))
