"""The SDK's public face is pinned: a change to it is a deliberate, reviewed change."""

from __future__ import annotations

import importlib
import importlib.metadata

import pytest

import modelyard
from modelyard.errors import error_for_code

ERRORS = [
    "AlreadyExists",
    "Conflict",
    "IntegrityError",
    "InvalidArgument",
    "ModelyardError",
    "NotFound",
    "PermissionDenied",
    "Unauthenticated",
    "Unavailable",
    "UnsafeArtifact",
]
# every other public name, and the module that defines it
DEFINED_IN = {
    "ActiveRun": "modelyard.client.runs",
    "Client": "modelyard.client.client",
    "load_model": "modelyard.client.runs",
    "start_run": "modelyard.client.runs",
    **dict.fromkeys(ERRORS, "modelyard.errors"),
}


def test_public_names_are_pinned() -> None:
    assert sorted(modelyard.__all__) == sorted([*DEFINED_IN, "__version__"])


@pytest.mark.parametrize("name", sorted(DEFINED_IN))
def test_public_name_is_the_object_its_module_defines(name: str) -> None:
    # not a wrapper or a copy: `except modelyard.NotFound` must catch what the service raises
    assert getattr(modelyard, name) is getattr(importlib.import_module(DEFINED_IN[name]), name)


@pytest.mark.parametrize("name", ERRORS)
def test_public_error_comes_back_from_its_code_as_the_same_class(name: str) -> None:
    cls = getattr(modelyard, name)
    rebuilt = error_for_code(cls.code, "why")
    assert (type(rebuilt), rebuilt.message) == (cls, "why")


def test_public_error_codes_are_distinct() -> None:
    codes = [getattr(modelyard, name).code for name in ERRORS]
    assert len(set(codes)) == len(codes)


def test_version_matches_the_distribution() -> None:
    assert modelyard.__version__ == importlib.metadata.version("modelyard")
