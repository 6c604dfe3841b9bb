"""How the fake repository filters and orders, as SQL does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from modelyard.domain import names
from modelyard.domain.entities import (
    ModelVersion,
    RegisteredModel,
)
from modelyard.domain.filters import Clause, match_value
from modelyard.domain.ordering import STAGE_RANK, Order
from modelyard.errors import (
    InvalidArgument,
)

_V = TypeVar("_V")

SortValue = str | int | datetime


def _sort(items: list[_V], order: Order, value: Callable[[_V, str], SortValue]) -> None:
    """Sort in place as SQL's ORDER BY does: least significant key first, each pass stable."""
    for key in reversed(order):
        items.sort(key=lambda item: value(item, key.field), reverse=key.descending)


def _model_sort_value(m: RegisteredModel, field: str) -> SortValue:
    if field == "name":
        return names.name_key(m.name)
    return m.created_at if field == "created_at" else m.updated_at


def _version_sort_value(v: ModelVersion, field: str) -> SortValue:
    if field == "name":
        return names.name_key(v.name)
    if field == "stage":
        return STAGE_RANK[v.stage]
    if field == "version":
        return v.version
    return v.created_at if field == "created_at" else v.updated_at


def _match_name(clause: Clause, name: str) -> bool:
    if clause.op in ("=", "!="):
        return match_value(clause.op, names.name_key(name), names.name_key(str(clause.value)))
    return match_value(clause.op, name, clause.value)


def _match_tags(clause: Clause, tags: dict[str, str]) -> bool:
    return clause.key in tags and match_value(clause.op, tags[clause.key], clause.value)


def _model_matches(clause: Clause, m: RegisteredModel) -> bool:
    if clause.field == "name":
        return _match_name(clause, m.name)
    if clause.field == "tag":
        return _match_tags(clause, m.tags)
    raise InvalidArgument(f"cannot filter models on {clause.field!r}")


def _version_matches(clause: Clause, v: ModelVersion) -> bool:
    if clause.field == "name":
        return _match_name(clause, v.name)
    if clause.field == "tag":
        return _match_tags(clause, v.tags)
    if clause.field == "alias":
        return any(match_value(clause.op, a, clause.value) for a in v.aliases)
    if clause.field == "version":
        return match_value(clause.op, v.version, clause.value)
    if clause.field == "stage":
        return match_value(clause.op, v.stage.value, clause.value)
    if clause.field == "run_id":
        return match_value(clause.op, v.run_id, clause.value)
    raise InvalidArgument(f"cannot filter versions on {clause.field!r}")
