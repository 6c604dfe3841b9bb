"""Filters and orderings compiled to SQL for the repository's searches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    select,
    tuple_,
)

from modelyard.adapters.sql import tables as t
from modelyard.domain import names
from modelyard.domain.filters import Clause
from modelyard.domain.ordering import (
    STAGE_RANK,
    Order,
    total,
)

models, versions = t.registered_models, t.model_versions


def _op(column: Any, clause: Clause, pg: bool) -> ColumnElement[bool]:
    value = clause.value
    if pg and clause.op in ("LIKE", "ILIKE"):
        value = str(value).replace("\\", "\\\\")  # backslash is literal, as on SQLite
    if clause.op == "=":
        return column == value  # type: ignore[no-any-return]
    if clause.op == "!=":
        return column != value  # type: ignore[no-any-return]
    if clause.op == "LIKE":
        return column.like(value)  # type: ignore[no-any-return]
    return column.ilike(value)  # type: ignore[no-any-return]


def _name_clause(clause: Clause, pg: bool) -> ColumnElement[bool]:
    if clause.op in ("=", "!="):
        key = names.name_key(str(clause.value))
        return models.c.name_key == key if clause.op == "=" else models.c.name_key != key
    return _op(models.c.name, clause, pg)


def _model_where(clause: Clause, pg: bool) -> ColumnElement[bool]:
    if clause.field == "name":
        return _name_clause(clause, pg)
    tag = t.model_tags
    # IN (subquery) keeps the plan driven from the tag table; model_tags has only its
    # (model_id, key) primary key, so a tag filter scans the tags of that key
    tagged = select(tag.c.model_id).where(tag.c.key == clause.key, _op(tag.c.value, clause, pg))
    return models.c.id.in_(tagged)


def _version_where(clause: Clause, pg: bool) -> ColumnElement[bool]:
    field = clause.field
    if field == "name":
        return _name_clause(clause, pg)
    if field in ("version", "stage", "run_id"):
        return _op(versions.c[field], clause, pg)
    version_key = tuple_(versions.c.model_id, versions.c.version)
    if field == "alias":
        al = t.aliases
        return version_key.in_(
            select(al.c.model_id, al.c.version).where(_op(al.c.alias, clause, pg))
        )
    tag = t.version_tags
    match = _op(tag.c.value, clause, pg)
    if pg and clause.op == "=":
        # PostgreSQL indexes (key, md5(value)): a btree row cannot hold a long value
        match = and_(func.md5(tag.c.value) == func.md5(str(clause.value)), match)
    return version_key.in_(
        select(tag.c.model_id, tag.c.version).where(tag.c.key == clause.key, match)
    )


MODEL_SORT: dict[str, Any] = {
    "name": models.c.name_key,
    "created_at": models.c.created_at,
    "updated_at": models.c.updated_at,
}
VERSION_SORT: dict[str, Any] = {
    "name": models.c.name_key,
    "version": versions.c.version,
    "created_at": versions.c.created_at,
    "updated_at": versions.c.updated_at,
    "stage": case(
        {stage.value: rank for stage, rank in STAGE_RANK.items()}, value=versions.c.stage
    ),
}


def _order_by(order: Order, default: Order, columns: dict[str, Any]) -> list[Any]:
    return [
        columns[key.field].desc() if key.descending else columns[key.field].asc()
        for key in total(order, default)
    ]
