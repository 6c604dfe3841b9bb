"""A mutation and its audit event commit together, or neither does."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from modelyard.bootstrap import Runtime, build
from modelyard.config import Settings
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import NewVersion
from modelyard.service import audit, versions
from tests.conftest import fresh_store


class InjectedFault(Exception):
    pass


def _spec(registry: Runtime, data: bytes) -> NewVersion:
    digest = registry.blobs.put(io.BytesIO(data)).digest
    return NewVersion(manifest=Manifest.build([ManifestEntry("model.bin", len(data), digest)]))


def _fail_on(registry: Runtime, table: str) -> None:
    """Make the database driver fail on the first write to ``table``, mid-transaction."""

    @event.listens_for(registry.engine, "before_cursor_execute")
    def _boom(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO " + table.upper()):
            raise InjectedFault(table)


@pytest.mark.parametrize("table", ["model_versions", "audit_events"])
def test_failed_version_creation_leaves_no_row_and_no_event(
    tmp_path: Path, store_template: Path, table: str
) -> None:
    registry = build(Settings(home=fresh_store(store_template, tmp_path / "store")))
    ctx = registry.context
    versions.create_version(ctx, "Fraud", _spec(registry, b"one"))
    events_before = audit.audit_trail(ctx, max_results=1000).items
    _fail_on(registry, table)
    with pytest.raises(InjectedFault):
        versions.create_version(ctx, "Fraud", _spec(registry, b"two"))
    registry.close()
    reopened = build(Settings(home=tmp_path / "store"))
    page = versions.search_versions(reopened.context)
    assert [v.version for v in page.items] == [1]
    assert audit.audit_trail(reopened.context, max_results=1000).items == events_before
    assert audit.verify_chain(reopened.context) == len(events_before)
    # the number was not consumed either: the next version is 2, gap-free
    assert (
        versions.create_version(reopened.context, "Fraud", _spec(reopened, b"three")).version == 2
    )
    reopened.close()


def test_failed_model_creation_leaves_nothing(tmp_path: Path, store_template: Path) -> None:
    registry = build(Settings(home=fresh_store(store_template, tmp_path / "store")))
    _fail_on(registry, "audit_events")
    with pytest.raises(InjectedFault):
        versions.create_version(registry.context, "Fraud", _spec(registry, b"one"))
    registry.close()
    reopened = build(Settings(home=tmp_path / "store"))
    assert versions.search_versions(reopened.context).items == []
    assert audit.audit_trail(reopened.context).items == []
    reopened.close()
