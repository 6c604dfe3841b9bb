"""Filters and orderings compiled to SQL for the repository's searches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
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

_m, _v = t.registered_models, t.model_versions


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
        return _m.c.name_key == key if clause.op == "=" else _m.c.name_key != key
    return _op(_m.c.name, clause, pg)


def _model_where(clause: Clause, pg: bool) -> ColumnElement[bool]:
    if clause.field == "name":
        return _name_clause(clause, pg)
    tag = t.model_tags
    # IN (subquery) lets the database drive from the (key, value) index instead of
    # probing every model: a selective tag filter stays fast at any registry size
    tagged = select(tag.c.model_id).where(tag.c.key == clause.key, _op(tag.c.value, clause, pg))
    return _m.c.id.in_(tagged)


def _version_where(clause: Clause, pg: bool) -> ColumnElement[bool]:
    field = clause.field
    if field == "name":
        return _name_clause(clause, pg)
    if field in ("version", "stage", "run_id"):
        return _op(_v.c[field], clause, pg)
    version_key = tuple_(_v.c.model_id, _v.c.version)
    if field == "alias":
        al = t.aliases
        return version_key.in_(
            select(al.c.model_id, al.c.version).where(_op(al.c.alias, clause, pg))
        )
    tag = t.version_tags
    return version_key.in_(
        select(tag.c.model_id, tag.c.version).where(
            tag.c.key == clause.key, _op(tag.c.value, clause, pg)
        )
    )


MODEL_SORT: dict[str, Any] = {
    "name": _m.c.name_key,
    "created_at": _m.c.created_at,
    "updated_at": _m.c.updated_at,
}
VERSION_SORT: dict[str, Any] = {
    "name": _m.c.name_key,
    "version": _v.c.version,
    "created_at": _v.c.created_at,
    "updated_at": _v.c.updated_at,
    "stage": case({stage.value: rank for stage, rank in STAGE_RANK.items()}, value=_v.c.stage),
}


def _order_by(order: Order, default: Order, columns: dict[str, Any]) -> list[Any]:
    return [
        columns[key.field].desc() if key.descending else columns[key.field].asc()
        for key in total(order, default)
    ]
