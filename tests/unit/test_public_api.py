"""The SDK's public face is pinned: a change to it is a deliberate, reviewed change."""

from __future__ import annotations

import modelyard

PUBLIC = [
    "ActiveRun",
    "AlreadyExists",
    "Client",
    "Conflict",
    "IntegrityError",
    "InvalidArgument",
    "ModelyardError",
    "NotFound",
    "PermissionDenied",
    "Unauthenticated",
    "Unavailable",
    "UnsafeArtifact",
    "__version__",
    "load_model",
    "start_run",
]


def test_public_names_are_pinned() -> None:
    assert sorted(modelyard.__all__) == PUBLIC


def test_every_public_name_resolves() -> None:
    missing = [name for name in modelyard.__all__ if not hasattr(modelyard, name)]
    assert missing == []


def test_error_classes_share_one_root() -> None:
    errors = [
        getattr(modelyard, n)
        for n in PUBLIC
        if n[0].isupper()
        and n.endswith(
            (
                "Error",
                "Found",
                "Exists",
                "Conflict",
                "Argument",
                "Denied",
                "Unauthenticated",
                "Unavailable",
                "Artifact",
            )
        )
    ]
    assert errors and all(issubclass(e, modelyard.ModelyardError) for e in errors)
