"""Blobs and store checks on the wire."""

from __future__ import annotations

from pydantic import BaseModel, Field

from modelyard.domain.fsck import FsckReport, Problem
from modelyard.wire.common import Strict


class MissingIn(Strict):
    digests: list[str] = Field(max_length=100_000)


class MissingOut(BaseModel):
    missing: list[str]


class BlobOut(BaseModel):
    digest: str
    size: int


class ProblemOut(BaseModel):
    model: str
    version: int
    path: str
    digest: str
    kind: str


class FsckOut(BaseModel):
    ok: bool
    versions: int
    blobs: int
    audit_events: int
    audit_ok: bool
    problems: list[ProblemOut]
    audit_problem: str = ""  # why the audit chain does not verify


def fsck_to_domain(w: FsckOut) -> FsckReport:
    problems = [Problem(**p.model_dump()) for p in w.problems]
    return FsckReport(w.versions, w.blobs, w.audit_events, w.audit_ok, problems, w.audit_problem)
