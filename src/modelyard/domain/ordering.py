"""The one order grammar for registry searches, shared by SDK, REST and the MLflow adapter.

order   := clause*              (a list of strings, most significant first)
clause  := field [ ASC | DESC ]
field   := name | created_at | updated_at                     (models)
         | name | version | created_at | updated_at | stage  (versions)

``name`` sorts by the name's uniqueness key (ignoring case); ``stage`` sorts by the
lifecycle None < Staging < Production < Archived. The default order's keys are appended
to every order as tiebreakers, so each order is total and paging with offsets is stable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from modelyard.domain.stages import Stage
from modelyard.errors import InvalidArgument

MAX_ORDER_CLAUSE = 64
MODEL_ORDER_FIELDS = frozenset({"name", "created_at", "updated_at"})
VERSION_ORDER_FIELDS = frozenset({"name", "version", "created_at", "updated_at", "stage"})
STAGE_RANK = {stage: rank for rank, stage in enumerate(Stage)}

_CLAUSE = re.compile(r"\s*([A-Za-z_]+)(?:\s+(ASC|DESC))?\s*", re.IGNORECASE)


class OrderKey(NamedTuple):
    field: str
    descending: bool = False


Order = tuple[OrderKey, ...]

MODEL_ORDER: Order = (OrderKey("name"),)
VERSION_ORDER: Order = (OrderKey("name"), OrderKey("version", descending=True))


def total(order: Order, default: Order) -> Order:
    """``order`` followed by the default's keys it does not name: a unique tiebreaker."""
    named = {key.field for key in order}
    return order + tuple(key for key in default if key.field not in named)


def parse_order(items: Sequence[str] | None, allowed: frozenset[str], default: Order) -> Order:
    """Parse ``field [ASC|DESC]`` clauses into a total order; none gives the default."""
    keys: list[OrderKey] = []
    for item in items or ():
        if not isinstance(item, str) or len(item) > MAX_ORDER_CLAUSE:
            raise InvalidArgument(f"invalid order_by clause {str(item)[:40]!r}")
        m = _CLAUSE.fullmatch(item)
        if not m:
            raise InvalidArgument(f"invalid order_by clause {item!r}: expected 'field [ASC|DESC]'")
        field = m.group(1).lower()
        if field not in allowed:
            raise InvalidArgument(
                f"cannot order by {field!r}: use one of {', '.join(sorted(allowed))}"
            )
        if any(key.field == field for key in keys):
            raise InvalidArgument(f"order_by names {field!r} twice")
        keys.append(OrderKey(field, (m.group(2) or "ASC").upper() == "DESC"))
    return total(tuple(keys), default)


def model_order(items: Sequence[str] | None) -> Order:
    return parse_order(items, MODEL_ORDER_FIELDS, MODEL_ORDER)


def version_order(items: Sequence[str] | None) -> Order:
    return parse_order(items, VERSION_ORDER_FIELDS, VERSION_ORDER)


def order_text(order: Order) -> str:
    """The canonical spelling, e.g. ``name ASC, version DESC``."""
    return ", ".join(f"{key.field} {'DESC' if key.descending else 'ASC'}" for key in order)
