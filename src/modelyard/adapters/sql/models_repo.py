"""SqlRepository's part for registered models, their tags and version numbers."""

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
    update,
)
from sqlalchemy import exc as sa_exc

from modelyard.adapters.sql import tables as t
from modelyard.adapters.sql.base import RepoBase
from modelyard.adapters.sql.identity_repo import readable_where
from modelyard.adapters.sql.where import MODEL_SORT, _model_where, _order_by, models, versions
from modelyard.domain import names
from modelyard.domain.entities import (
    RegisteredModel,
)
from modelyard.domain.filters import Filter
from modelyard.domain.identity import ReadScope
from modelyard.domain.ordering import (
    MODEL_ORDER,
    Order,
)
from modelyard.errors import AlreadyExists, NotFound


class ModelRepositoryMixin(RepoBase):
    # registered models -------------------------------------------------------------
    def add_model(self, model: RegisteredModel) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(models).values(
                        id=model.id,
                        name=model.name,
                        name_key=names.name_key(model.name),
                        description=model.description,
                        next_version=1,
                        created_at=model.created_at,
                        updated_at=model.updated_at,
                        created_by=model.created_by,
                    )
                )
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"a model named {model.name!r} already exists") from None
        for key, value in model.tags.items():
            self.set_model_tag(model.id, key, value)

    def _models(self, rows: Sequence[Row[Any]]) -> list[RegisteredModel]:
        ids = [r.id for r in rows]
        tags: dict[str, dict[str, str]] = defaultdict(dict)
        als: dict[str, dict[str, int]] = defaultdict(dict)
        latest: dict[str, int] = {}
        if ids:
            for r in self.conn.execute(
                select(t.model_tags).where(t.model_tags.c.model_id.in_(ids))
            ):
                tags[r.model_id][r.key] = r.value
            for r in self.conn.execute(select(t.aliases).where(t.aliases.c.model_id.in_(ids))):
                als[r.model_id][r.alias] = r.version
            # newest live version per model: walk the primary key backwards and stop at the
            # first live row, instead of aggregating over every version of the model
            newest = (
                select(versions.c.version)
                .where(versions.c.model_id == models.c.id, versions.c.deleted_at.is_(None))
                .order_by(versions.c.version.desc())
                .limit(1)
                .scalar_subquery()
            )
            q = select(models.c.id, newest).where(models.c.id.in_(ids))
            latest = {mid: n for mid, n in self.conn.execute(q) if n is not None}
        return [
            RegisteredModel(
                id=r.id,
                name=r.name,
                description=r.description,
                tags=tags[r.id],
                aliases=dict(sorted(als[r.id].items())),
                created_at=r.created_at,
                updated_at=r.updated_at,
                created_by=r.created_by,
                latest_version=latest.get(r.id, 0),
            )
            for r in rows
        ]

    def get_model(self, name: str, *, lock: bool = False) -> RegisteredModel:
        q = select(models).where(
            models.c.name_key == names.name_key(name), models.c.deleted_at.is_(None)
        )
        if lock and self.lock_rows:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        if row is None:
            raise NotFound(f"model {name!r} does not exist")
        return self._models([row])[0]

    def list_models(
        self,
        flt: Filter,
        offset: int,
        limit: int,
        order: Order = MODEL_ORDER,
        scope: ReadScope | None = None,
    ) -> list[RegisteredModel]:
        where = [_model_where(c, self.lock_rows) for c in flt.clauses]
        if scope is not None:
            where.append(readable_where(scope))
        q = (
            select(models)
            .where(models.c.deleted_at.is_(None), *where)
            .order_by(*_order_by(order, MODEL_ORDER, MODEL_SORT))
            .offset(offset)
            .limit(limit)
        )
        return self._models(self.conn.execute(q).all())

    def _update_model(self, model_id: str, **values: Any) -> None:
        self.conn.execute(update(models).where(models.c.id == model_id).values(**values))

    def rename_model(self, model_id: str, new_name: str, at: datetime) -> None:
        try:
            with self.conn.begin_nested():
                self._update_model(
                    model_id, name=new_name, name_key=names.name_key(new_name), updated_at=at
                )
        except sa_exc.IntegrityError:
            raise AlreadyExists(f"a model named {new_name!r} already exists") from None

    def describe_model(self, model_id: str, description: str, at: datetime) -> None:
        self._update_model(model_id, description=description, updated_at=at)

    def delete_model(self, model_id: str, at: datetime) -> None:
        self._update_model(model_id, deleted_at=at, updated_at=at)
        self.conn.execute(
            update(versions)
            .where(versions.c.model_id == model_id, versions.c.deleted_at.is_(None))
            .values(deleted_at=at)
        )
        self.conn.execute(delete(t.aliases).where(t.aliases.c.model_id == model_id))

    def set_model_tag(self, model_id: str, key: str, value: str) -> None:
        self._upsert(t.model_tags, {"model_id": model_id, "key": key}, {"value": value})

    def delete_model_tag(self, model_id: str, key: str) -> None:
        tag = t.model_tags
        self.conn.execute(delete(tag).where(tag.c.model_id == model_id, tag.c.key == key))

    def allocate_version(self, model_id: str) -> int:
        q = (
            update(models)
            .where(models.c.id == model_id)
            .values(next_version=models.c.next_version + 1)
            .returning(models.c.next_version)
        )
        return int(self.conn.execute(q).scalar_one()) - 1
