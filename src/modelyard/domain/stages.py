"""Stages a version moves through."""

from __future__ import annotations

from enum import StrEnum

from modelyard.errors import InvalidArgument


class Stage(StrEnum):
    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"


_BY_KEY = {stage.value.casefold(): stage for stage in Stage}


def parse_stage(value: object) -> Stage:
    """Parse a stage name, ignoring case: ``production`` is ``Production``."""
    if isinstance(value, Stage):
        return value
    if isinstance(value, str) and value.casefold() in _BY_KEY:
        return _BY_KEY[value.casefold()]
    raise InvalidArgument(
        f"unknown stage {value!r}: expected one of {', '.join(s.value for s in Stage)}"
    )


def is_stage_name(value: str) -> bool:
    return value.casefold() in _BY_KEY
