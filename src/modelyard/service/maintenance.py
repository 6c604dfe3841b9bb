"""Store checks: every blob a live version references exists and matches its digest, and
the audit chain is intact."""

from __future__ import annotations

import hashlib

from modelyard.domain.digests import sha256_hex
from modelyard.domain.filters import Filter

# Re-exported: these moved to the domain so the SDK can use them without the service.
from modelyard.domain.fsck import FsckReport as FsckReport
from modelyard.domain.fsck import Problem as Problem
from modelyard.errors import IntegrityError, NotFound
from modelyard.service.audit import verify_chain
from modelyard.service.context import Context
from modelyard.service.permissions import require

CHUNK = 1024 * 1024
BATCH = 500


def _blob_state(ctx: Context, digest: str, size: int) -> str | None:
    """None when the blob is whole, else why it is not."""
    h, seen = hashlib.sha256(), 0
    try:
        stream = ctx.blobs.open(digest)
    except NotFound:
        return "missing"
    try:
        while chunk := stream.read(CHUNK):
            h.update(chunk)
            seen += len(chunk)
    finally:
        stream.close()
    return None if h.hexdigest() == digest and seen == size else "corrupt"


def fsck(ctx: Context) -> FsckReport:
    """Read every blob referenced by a live version once, hashing it; check the audit chain."""
    report, states, offset = FsckReport(), dict[str, str | None](), 0
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "maintenance.fsck")
    while True:
        with ctx.uow(write=False) as uow:
            batch = uow.repo.list_versions(Filter(), offset, BATCH)
        for v in batch:
            report.versions += 1
            for e in v.manifest.entries:
                if e.sha256 not in states:
                    states[e.sha256] = _blob_state(ctx, e.sha256, e.size)
                if states[e.sha256] is not None:
                    report.problems.append(
                        Problem(v.name, v.version, e.path, e.sha256, states[e.sha256] or "")
                    )
        if len(batch) < BATCH:
            break
        offset += BATCH
    report.blobs = len(states)
    try:
        report.audit_events = verify_chain(ctx)
    except IntegrityError as exc:
        report.audit_ok, report.audit_problem = False, exc.message
    return report


def blob_readable(ctx: Context, digest: str) -> bool:
    """Whether a blob may be served by digest: while a live version or an MLflow artifact
    record names it. Once only deleted versions name it, it is not served (it stays stored
    until garbage collection). A blob no version names yet stays readable: uploads come
    before the version that names them."""
    digest = sha256_hex(digest)
    with ctx.uow(write=False) as uow:
        require(uow.repo, ctx.caller, "maintenance.blob_readable")
        refs = uow.repo.blob_references(digest)
    return refs.live or not refs.deleted
