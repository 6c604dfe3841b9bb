"""SqlRepository's part for versions, their tags, aliases and stage history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    delete,
    insert,
    select,
    true,
    tuple_,
    update,
)

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.adapters.sql.identity_repo import readable_where
from modelyard.adapters.sql.where import VERSION_SORT, _order_by, _version_where, models, versions
from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import (
    ModelVersion,
    StageChange,
)
from modelyard.domain.filters import Filter
from modelyard.domain.identity import ReadScope
from modelyard.domain.ordering import (
    VERSION_ORDER,
    Order,
)
from modelyard.domain.stages import Stage
from modelyard.errors import NotFound
from modelyard.service.ports import VersionUpdate


class VersionRepositoryMixin(RepoBase):
    # versions ----------------------------------------------------------------------
    def add_version(self, version: ModelVersion, idempotency: tuple[str, str] | None) -> None:
        key, request = idempotency if idempotency else (None, None)
        manifest = [
            {"path": e.path, "size": e.size, "sha256": e.sha256} for e in version.manifest.entries
        ]
        with self._unique(f"version {version.version} or its idempotency key"):
            self._insert_version(version, manifest, key, request)

    def _insert_version(
        self,
        version: ModelVersion,
        manifest: list[dict[str, Any]],
        key: str | None,
        request: str | None,
    ) -> None:
        self.conn.execute(
            insert(versions).values(
                model_id=version.model_id,
                version=version.version,
                stage=version.stage.value,
                description=version.description,
                manifest_digest=version.manifest_digest,
                manifest=manifest,
                run_id=version.run_id,
                flavor=version.flavor,
                flavor_metadata=version.flavor_metadata,
                signature=version.signature,
                requirements=list(version.requirements),
                python_version=version.python_version,
                source=version.source,
                created_at=version.created_at,
                updated_at=version.updated_at,
                created_by=version.created_by,
                idempotency_key=key,
                request_digest=request,
            )
        )
        for k, value in version.tags.items():
            self.conn.execute(
                insert(t.version_tags).values(
                    model_id=version.model_id, version=version.version, key=k, value=value
                )
            )
        self._insert_blob_refs(version)

    def _insert_blob_refs(self, version: ModelVersion) -> None:
        """What garbage collection and blob reads consult: which versions name a blob."""
        refs = [
            {"model_id": version.model_id, "version": version.version, "sha256": d}
            for d in sorted(version.manifest.blob_digests())
        ]
        if refs:
            self.conn.execute(insert(t.version_blobs), refs)

    def _versions(self, rows: Sequence[Row[Any]]) -> list[ModelVersion]:
        keys = [(r.model_id, r.version) for r in rows]
        tags: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        als: dict[tuple[str, int], list[str]] = defaultdict(list)
        if keys:
            vt, al = t.version_tags, t.aliases
            q = select(vt).where(tuple_(vt.c.model_id, vt.c.version).in_(keys))
            for r in self.conn.execute(q):
                tags[(r.model_id, r.version)][r.key] = r.value
            q = select(al).where(tuple_(al.c.model_id, al.c.version).in_(keys))
            for r in self.conn.execute(q):
                als[(r.model_id, r.version)].append(r.alias)
        return [
            self._version(
                r, tags[(r.model_id, r.version)], tuple(sorted(als[(r.model_id, r.version)]))
            )
            for r in rows
        ]

    @staticmethod
    def _version(r: Row[Any], tags: dict[str, str], aliases: tuple[str, ...]) -> ModelVersion:
        manifest = Manifest(
            tuple(ManifestEntry(e["path"], e["size"], e["sha256"]) for e in r.manifest)
        )
        return ModelVersion(
            model_id=r.model_id,
            name=r.name,
            version=r.version,
            stage=Stage(r.stage),
            description=r.description,
            tags=tags,
            aliases=aliases,
            manifest_digest=r.manifest_digest,
            manifest=manifest,
            run_id=r.run_id,
            flavor=r.flavor,
            flavor_metadata=r.flavor_metadata,
            signature=r.signature,
            requirements=tuple(r.requirements),
            python_version=r.python_version,
            source=r.source,
            created_at=r.created_at,
            updated_at=r.updated_at,
            created_by=r.created_by,
        )

    def _live_versions(self) -> Any:
        return (
            select(versions, models.c.name)
            .join(models, models.c.id == versions.c.model_id)
            .where(versions.c.deleted_at.is_(None), models.c.deleted_at.is_(None))
        )

    def get_version(self, model_id: str, number: int) -> ModelVersion:
        q = self._live_versions().where(
            versions.c.model_id == model_id, versions.c.version == number
        )
        rows = self.conn.execute(q).all()
        if not rows:
            raise NotFound(f"version {number} does not exist")
        return self._versions(rows)[0]

    def find_idempotent(self, model_id: str, key: str) -> tuple[str, int] | None:
        q = select(versions.c.request_digest, versions.c.version).where(
            versions.c.model_id == model_id, versions.c.idempotency_key == key
        )
        row = self.conn.execute(q).first()
        return (row.request_digest, row.version) if row else None

    def latest_version(self, model_id: str, stage: Stage | None = None) -> ModelVersion:
        q = self._live_versions().where(versions.c.model_id == model_id)
        if stage is not None:
            q = q.where(versions.c.stage == stage.value)
        rows = self.conn.execute(q.order_by(versions.c.version.desc()).limit(1)).all()
        if not rows:
            where = f" in stage {stage.value}" if stage else ""
            raise NotFound(f"model has no version{where}")
        return self._versions(rows)[0]

    def versions_in_stage(self, model_id: str, stage: Stage) -> list[ModelVersion]:
        q = self._live_versions().where(
            versions.c.model_id == model_id, versions.c.stage == stage.value
        )
        return self._versions(self.conn.execute(q.order_by(versions.c.version.desc())).all())

    def list_versions(
        self,
        flt: Filter,
        offset: int,
        limit: int,
        order: Order = VERSION_ORDER,
        scope: ReadScope | None = None,
    ) -> list[ModelVersion]:
        where = [_version_where(c, self.lock_rows) for c in flt.clauses]
        if scope is not None:
            where.append(readable_where(scope))  # on the joined registered_models
        q = (
            self._live_versions()
            .where(*where)
            .order_by(*_order_by(order, VERSION_ORDER, VERSION_SORT))
            .offset(offset)
            .limit(limit)
        )
        return self._versions(self.conn.execute(q).all())

    def update_version(
        self, model_id: str, number: int, change: VersionUpdate, at: datetime
    ) -> None:
        values: dict[str, Any] = {"updated_at": at}
        if change.stage is not None:
            values["stage"] = change.stage.value
        if change.description is not None:
            values["description"] = change.description
        self.conn.execute(
            update(versions)
            .where(versions.c.model_id == model_id, versions.c.version == number)
            .values(**values)
        )

    def delete_version(self, model_id: str, number: int, at: datetime) -> None:
        self.conn.execute(
            update(versions)
            .where(versions.c.model_id == model_id, versions.c.version == number)
            .values(deleted_at=at, updated_at=at)
        )

    def set_version_tag(self, model_id: str, number: int, key: str, value: str) -> None:
        self._require_version(model_id, number)
        self._upsert(
            t.version_tags, {"model_id": model_id, "version": number, "key": key}, {"value": value}
        )

    def delete_version_tag(self, model_id: str, number: int, key: str) -> None:
        vt = t.version_tags
        self.conn.execute(
            delete(vt).where(vt.c.model_id == model_id, vt.c.version == number, vt.c.key == key)
        )

    # aliases and stage history -----------------------------------------------------
    def set_alias(self, model_id: str, alias: str, number: int) -> None:
        self._require_version(model_id, number)
        self._upsert(t.aliases, {"model_id": model_id, "alias": alias}, {"version": number})

    def delete_alias(self, model_id: str, alias: str) -> None:
        al = t.aliases
        self.conn.execute(delete(al).where(al.c.model_id == model_id, al.c.alias == alias))

    def add_stage_change(self, model_id: str, change: StageChange) -> None:
        self.conn.execute(
            insert(t.stage_changes).values(
                model_id=model_id,
                name=change.name,
                version=change.version,
                from_stage=change.from_stage.value,
                to_stage=change.to_stage.value,
                actor=change.actor,
                at=change.at,
                comment=change.comment,
            )
        )

    def stage_history(self, model_id: str, number: int | None) -> list[StageChange]:
        sc = t.stage_changes
        live = select(versions.c.version).where(
            versions.c.model_id == model_id, versions.c.deleted_at.is_(None)
        )
        q = select(sc).where(
            sc.c.model_id == model_id,
            sc.c.version == number if number is not None else true(),
            sc.c.version.in_(live),  # a deleted version's transitions leave the history
        )
        return [
            StageChange(
                r.name, r.version, Stage(r.from_stage), Stage(r.to_stage), r.actor, r.at, r.comment
            )
            for r in self.conn.execute(q.order_by(sc.c.id))
        ]
