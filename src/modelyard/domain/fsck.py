"""What a store check found: the report both SDK transports return."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    model: str
    version: int
    path: str
    digest: str
    kind: str  # "missing" or "corrupt"


@dataclass
class FsckReport:
    versions: int = 0
    blobs: int = 0
    audit_events: int = 0
    audit_ok: bool = True
    problems: list[Problem] = field(default_factory=list)
    audit_problem: str = ""  # why the chain failed to verify, e.g. a truncated tail

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.problems
