"""Registered models and versions on the wire, and their conversions to and from the domain.

A version that comes from a server is checked like any other untrusted input: its files
must follow the artifact path grammar, and its manifest digest is recomputed here and must
equal the one the server sent, so every later use (a cache path, ``allow_pickle``) rests on
a value the client computed itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, StrictInt

from modelyard.domain.digests import Manifest, ManifestEntry
from modelyard.domain.entities import ModelVersion, NewVersion, RegisteredModel
from modelyard.domain.stages import Stage
from modelyard.errors import IntegrityError
from modelyard.wire.common import MAX_PYTHON_VERSION, JsonObject, Strict


class ModelCreate(Strict):
    name: str = Field(max_length=1024)
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class ModelPatch(Strict):
    name: str | None = Field(default=None, description="a new name renames the model")
    description: str | None = None


class ModelOut(BaseModel):
    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, int]
    latest_version: int
    created_at: datetime
    updated_at: datetime
    created_by: str


class ModelList(BaseModel):
    models: list[ModelOut]
    next_page_token: str | None = None


class FileEntry(Strict):
    path: str = Field(max_length=1024)
    size: StrictInt
    sha256: str


class VersionCreate(Strict):
    files: list[FileEntry] = Field(max_length=100_000)
    flavor: str = Field(default="unknown", max_length=64)
    flavor_metadata: JsonObject = Field(default_factory=dict)
    signature: JsonObject | None = None
    requirements: list[str] = Field(default_factory=list, max_length=1000)
    python_version: str = Field(default="", max_length=MAX_PYTHON_VERSION)
    run_id: str | None = None
    source: str = ""
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict)


class VersionPatch(Strict):
    description: str


class VersionOut(BaseModel):
    name: str
    version: int
    stage: str
    description: str
    tags: dict[str, str]
    aliases: list[str]
    manifest_digest: str
    files: list[FileEntry]
    run_id: str | None
    flavor: str
    flavor_metadata: dict[str, Any]
    signature: dict[str, Any] | None
    requirements: list[str]
    python_version: str
    source: str
    created_at: datetime
    updated_at: datetime
    created_by: str


class VersionList(BaseModel):
    versions: list[VersionOut]
    next_page_token: str | None = None


def model_out(m: RegisteredModel) -> ModelOut:
    return ModelOut(
        name=m.name,
        description=m.description,
        tags=m.tags,
        aliases=m.aliases,
        latest_version=m.latest_version,
        created_at=m.created_at,
        updated_at=m.updated_at,
        created_by=m.created_by,
    )


def model_to_domain(w: ModelOut) -> RegisteredModel:
    return RegisteredModel(
        id="",
        name=w.name,
        description=w.description,
        tags=w.tags,
        aliases=w.aliases,
        created_at=w.created_at,
        updated_at=w.updated_at,
        created_by=w.created_by,
        latest_version=w.latest_version,
    )


def files_out(manifest: Manifest) -> list[FileEntry]:
    return [FileEntry(path=e.path, size=e.size, sha256=e.sha256) for e in manifest.entries]


def manifest_to_domain(files: list[FileEntry]) -> Manifest:
    """Build a manifest, validating every path and digest (InvalidArgument otherwise)."""
    return Manifest.build(ManifestEntry(f.path, f.size, f.sha256) for f in files)


def verified_manifest(files: list[FileEntry], claimed_digest: str) -> Manifest:
    """The manifest of ``files``; IntegrityError unless its digest is ``claimed_digest``."""
    manifest = manifest_to_domain(files)
    if manifest.digest != claimed_digest.removeprefix("sha256:"):
        raise IntegrityError(
            f"the server's manifest digest {claimed_digest[:80]!r} does not match its file "
            f"list (sha256:{manifest.digest}); refusing the version"
        )
    return manifest


def version_out(v: ModelVersion) -> VersionOut:
    return VersionOut(
        name=v.name,
        version=v.version,
        stage=v.stage.value,
        description=v.description,
        tags=v.tags,
        aliases=list(v.aliases),
        manifest_digest=v.manifest_digest,
        files=files_out(v.manifest),
        run_id=v.run_id,
        flavor=v.flavor,
        flavor_metadata=v.flavor_metadata,
        signature=v.signature,
        requirements=list(v.requirements),
        python_version=v.python_version,
        source=v.source,
        created_at=v.created_at,
        updated_at=v.updated_at,
        created_by=v.created_by,
    )


def version_to_domain(w: VersionOut) -> ModelVersion:
    """Convert a version from a server, trusting nothing it did not check (see module doc)."""
    manifest = verified_manifest(w.files, w.manifest_digest)
    return ModelVersion(
        model_id="",
        name=w.name,
        version=w.version,
        stage=Stage(w.stage),
        description=w.description,
        tags=w.tags,
        aliases=tuple(w.aliases),
        manifest_digest=manifest.digest,
        manifest=manifest,
        run_id=w.run_id,
        flavor=w.flavor,
        flavor_metadata=w.flavor_metadata,
        signature=w.signature,
        requirements=tuple(w.requirements),
        python_version=w.python_version,
        source=w.source,
        created_at=w.created_at,
        updated_at=w.updated_at,
        created_by=w.created_by,
    )


def version_create(spec: NewVersion) -> VersionCreate:
    return VersionCreate(
        files=files_out(spec.manifest),
        flavor=spec.flavor,
        flavor_metadata=spec.flavor_metadata,
        signature=spec.signature,
        requirements=list(spec.requirements),
        python_version=spec.python_version,
        run_id=spec.run_id,
        source=spec.source,
        description=spec.description,
        tags=spec.tags,
    )


def new_version(w: VersionCreate) -> NewVersion:
    return NewVersion(
        manifest=manifest_to_domain(w.files),
        flavor=w.flavor,
        flavor_metadata=w.flavor_metadata,
        signature=w.signature,
        requirements=tuple(w.requirements),
        python_version=w.python_version,
        run_id=w.run_id,
        source=w.source,
        description=w.description,
        tags=w.tags,
    )
