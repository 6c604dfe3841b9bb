"""Subscription secrets at rest: sealed with the server key, readable after its rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from modelyard.adapters.secrets import FernetSecretBox
from modelyard.errors import InvalidArgument, Unavailable

SECRET = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"
OLD = Fernet.generate_key().decode()
NEW = "a passphrase of more than thirty-two characters"


def test_seal_hides_the_secret_and_open_returns_it() -> None:
    box = FernetSecretBox(OLD)
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and "AAECAwQF" not in sealed
    assert box.open(sealed) == SECRET


def test_open_reads_secrets_sealed_with_an_older_key_after_rotation() -> None:
    sealed = FernetSecretBox(OLD).seal(SECRET)
    assert FernetSecretBox(f"{NEW},{OLD}").open(sealed) == SECRET


def test_reseal_moves_a_secret_to_the_newest_key() -> None:
    sealed = FernetSecretBox(OLD).seal(SECRET)
    moved = FernetSecretBox(f"{NEW},{OLD}").reseal(sealed)
    assert FernetSecretBox(NEW).open(moved) == SECRET


def test_open_with_a_wrong_key_is_unavailable_and_names_no_secret() -> None:
    sealed = FernetSecretBox(OLD).seal(SECRET)
    with pytest.raises(Unavailable) as caught:
        FernetSecretBox(NEW).open(sealed)
    assert SECRET not in str(caught.value) and sealed not in str(caught.value)


@pytest.mark.parametrize("keys", ["", " , ", "short", "x" * 31])
def test_secret_box_refuses_weak_or_missing_keys(keys: str) -> None:
    with pytest.raises(InvalidArgument):
        FernetSecretBox(keys)
