"""Store maintenance."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from modelyard import wire
from modelyard.api.deps import Ctx
from modelyard.api.errors import ERROR_RESPONSES
from modelyard.service import maintenance

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, tags=["maintenance"])


@router.post("/fsck", response_model=wire.FsckOut)
def fsck(ctx: Ctx) -> wire.FsckOut:
    """Hash every blob a live version references and verify the audit chain (read-only)."""
    report = maintenance.fsck(ctx)
    problems = [wire.ProblemOut(**asdict(p)) for p in report.problems]
    return wire.FsckOut(
        ok=report.ok,
        versions=report.versions,
        blobs=report.blobs,
        audit_events=report.audit_events,
        audit_ok=report.audit_ok,
        problems=problems,
        audit_problem=report.audit_problem,
    )
