"""Entities for the repository contract: built directly, stored through units of work."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from modelyard.domain.audit import GENESIS, event_hash
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import (
    AuditEvent,
    ModelVersion,
    RegisteredModel,
    Run,
    RunStatus,
)
from modelyard.domain.stages import Stage
from modelyard.service.context import audit_target
from modelyard.service.ports import Repository, UnitOfWorkFactory

T = TypeVar("T")

# microseconds on purpose: every backend must give back exactly what it was given
T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def hexid(n: int) -> str:
    return f"{n:032x}"


def digest(n: int) -> str:
    return f"{n:064x}"


def write(factory: UnitOfWorkFactory, fn: Callable[[Repository], T]) -> T:
    """Run ``fn`` in a write unit of work and commit it."""
    with factory(write=True) as uow:
        result = fn(uow.repo)
        uow.commit()
    return result


def read(factory: UnitOfWorkFactory, fn: Callable[[Repository], T]) -> T:
    with factory(write=False) as uow:
        return fn(uow.repo)


def model(n: int, name: str, **fields: Any) -> RegisteredModel:
    base = RegisteredModel(
        id=hexid(n),
        name=name,
        description="",
        tags={},
        aliases={},
        created_at=at(0),
        updated_at=at(0),
        created_by="alice",
        latest_version=0,
    )
    return replace(base, **fields)


def manifest(*files: tuple[str, int, str]) -> Manifest:
    return Manifest.build(ManifestEntry(p, s, d) for p, s, d in files)


def version(m: RegisteredModel, number: int, **fields: Any) -> ModelVersion:
    mf = manifest(("model.bin", 10 + number, digest(number)))
    base = ModelVersion(
        model_id=m.id,
        name=m.name,
        version=number,
        stage=Stage.NONE,
        description="",
        tags={},
        aliases=(),
        manifest_digest=mf.digest,
        manifest=mf,
        run_id=None,
        flavor="sklearn",
        flavor_metadata={},
        signature=None,
        requirements=(),
        python_version="3.11.7",
        source="",
        created_at=at(number),
        updated_at=at(number),
        created_by="alice",
    )
    return replace(base, **fields)


def add_model(factory: UnitOfWorkFactory, n: int, name: str, **fields: Any) -> RegisteredModel:
    m = model(n, name, **fields)
    write(factory, lambda r: r.add_model(m))
    return m


def add_versions(
    factory: UnitOfWorkFactory, m: RegisteredModel, count: int, **fields: Any
) -> list[ModelVersion]:
    """Allocate and add ``count`` versions of ``m`` in one unit of work."""

    def go(r: Repository) -> list[ModelVersion]:
        made = []
        for _ in range(count):
            v = version(m, r.allocate_version(m.id), **fields)
            r.add_version(v, None)
            made.append(v)
        return made

    return write(factory, go)


def run(n: int, **fields: Any) -> Run:
    base = Run(
        id=hexid(1000 + n),
        experiment="Default",
        name=f"run-{n}",
        status=RunStatus.RUNNING,
        user="alice",
        started_at=at(n),
        ended_at=None,
        params={},
        metrics=(),
        datasets=(),
        tags={},
        git_commit=None,
        git_dirty=None,
        python_version="3.11.7",
        packages={},
    )
    return replace(base, **fields)


def model_id_of(name: str) -> str:
    """A stable model id per name (ignoring case), for audit events built by hand."""
    return hashlib.md5(name.casefold().encode()).hexdigest()


def audit_chain(*specs: tuple[str, str | None, int | None]) -> list[AuditEvent]:
    """Events (action, model, version) chained from GENESIS, one second apart; each
    model's id is ``model_id_of(name)``."""
    events, prev = [], GENESIS
    for seq, (action, model_name, number) in enumerate(specs, start=1):
        when = at(seq)
        after = {"seq": seq, "nested": {"list": [1, 2.5, None, "x"]}}
        mid = model_id_of(model_name) if model_name is not None else None
        target = audit_target(model_name, mid, number, 2)
        h = event_hash(prev, seq, when, "alice", action, target, None, after)
        events.append(
            AuditEvent(seq, when, "alice", action, model_name, number, None, after, prev, h, mid, 2)
        )
        prev = h
    return events
