"""What a run records when it starts, and the run id grammar."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modelyard.errors import InvalidArgument

_RUN_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class RunSpec:
    experiment: str = "Default"
    name: str = ""
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    git_commit: str | None = None
    git_dirty: bool | None = None
    python_version: str = ""
    packages: dict[str, str] = field(default_factory=dict)


def run_id(value: object) -> str:
    """Validate a run id: 32 lowercase hex digits."""
    if not isinstance(value, str) or not _RUN_ID.fullmatch(value):
        raise InvalidArgument(f"invalid run id {str(value)[:40]!r}")
    return value
