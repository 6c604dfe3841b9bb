"""Version references and model URIs: ``models:/NAME/3``, ``models:/NAME@champion``,
``models:/NAME/Production``, ``models:/NAME/latest``."""

from __future__ import annotations

from dataclasses import dataclass

from modelyard.domain import names
from modelyard.domain.stages import Stage, is_stage_name, parse_stage
from modelyard.errors import InvalidArgument


@dataclass(frozen=True)
class VersionRef:
    """Exactly one of: a number, an alias, a stage, or the latest version."""

    number: int | None = None
    alias: str | None = None
    stage: Stage | None = None
    latest: bool = False

    def __str__(self) -> str:
        if self.number is not None:
            return str(self.number)
        if self.alias is not None:
            return f"@{self.alias}"
        if self.stage is not None:
            return self.stage.value
        return "latest"


@dataclass(frozen=True)
class ModelUri:
    name: str
    ref: VersionRef

    def __str__(self) -> str:
        sep = "" if self.ref.alias is not None else "/"
        return f"models:/{self.name}{sep}{self.ref}"


def parse_ref(value: object) -> VersionRef:
    """Parse ``3``, ``latest``, a stage name, or ``@alias``."""
    if isinstance(value, VersionRef):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return VersionRef(number=names.version_number(value))
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"invalid version reference {value!r}")
    if value.startswith("@"):
        return VersionRef(alias=names.alias_name(value[1:]))
    if value.casefold() == "latest":
        return VersionRef(latest=True)
    if is_stage_name(value):
        return VersionRef(stage=parse_stage(value))
    return VersionRef(number=names.version_number(value))


def parse_model_uri(uri: object) -> ModelUri:
    """Parse a ``models:/`` URI; anything else is an ``InvalidArgument``."""
    if not isinstance(uri, str) or not uri.startswith("models:/"):
        raise InvalidArgument(f"invalid model URI {uri!r}: expected models:/NAME/VERSION")
    body = uri[len("models:/") :]
    if "@" in body:
        name, _, alias = body.partition("@")
        if not alias or "/" in alias:
            raise InvalidArgument(f"invalid model URI {uri!r}: alias is empty or has '/'")
        return ModelUri(names.model_name(name), VersionRef(alias=names.alias_name(alias)))
    parts = body.split("/")
    if len(parts) != 2 or not parts[1]:
        raise InvalidArgument(
            f"invalid model URI {uri!r}: expected models:/NAME/VERSION, /STAGE, /latest or @ALIAS"
        )
    return ModelUri(names.model_name(parts[0]), parse_ref(parts[1]))
