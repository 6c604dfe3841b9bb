"""Version references (``3``, ``@alias``, a stage, ``latest``) and ``models:/`` URIs."""

from __future__ import annotations

import contextlib
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from modelyard.domain import names
from modelyard.domain.refs import ModelUri, VersionRef, parse_model_uri, parse_ref
from modelyard.domain.stages import Stage
from modelyard.errors import InvalidArgument

FUZZ = settings(database=None, deadline=None)
MODEL_NAMES = st.from_regex(names.MODEL_NAME_RE, fullmatch=True)
VERSIONS = st.integers(min_value=1, max_value=names.MAX_VERSION)


def _is_alias(text: str) -> bool:
    try:
        names.alias_name(text)
    except InvalidArgument:
        return False
    return True


ALIASES = st.from_regex(names.ALIAS_RE, fullmatch=True).filter(_is_alias)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, VersionRef(number=3)),
        ("3", VersionRef(number=3)),
        ("latest", VersionRef(latest=True)),
        ("LATEST", VersionRef(latest=True)),
        ("Production", VersionRef(stage=Stage.PRODUCTION)),
        ("production", VersionRef(stage=Stage.PRODUCTION)),
        ("Staging", VersionRef(stage=Stage.STAGING)),
        ("@champion", VersionRef(alias="champion")),
    ],
)
def test_parse_ref_valid_returns_reference(value: object, expected: VersionRef) -> None:
    assert parse_ref(value) == expected


def test_parse_ref_reference_is_returned_as_is() -> None:
    ref = VersionRef(alias="champion")
    assert parse_ref(ref) is ref


@pytest.mark.parametrize(
    "value",
    [
        "",
        "@",
        "@1",
        "@v1",
        "@latest",
        "@Production",
        "0",
        "-1",
        "01",
        "1.0",
        "99999999999999999999",
        "champion",
        "Prod",
        True,
        None,
        1.5,
        0,
        -1,
    ],
)
def test_parse_ref_malformed_raises_invalid_argument(value: object) -> None:
    with pytest.raises(InvalidArgument):
        parse_ref(value)


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (VersionRef(number=3), "3"),
        (VersionRef(alias="a"), "@a"),
        (VersionRef(stage=Stage.ARCHIVED), "Archived"),
        (VersionRef(latest=True), "latest"),
    ],
)
def test_version_ref_str_returns_canonical_text(ref: VersionRef, text: str) -> None:
    assert str(ref) == text


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("models:/Fraud/3", ModelUri("Fraud", VersionRef(number=3))),
        ("models:/Fraud@champion", ModelUri("Fraud", VersionRef(alias="champion"))),
        ("models:/Fraud/Production", ModelUri("Fraud", VersionRef(stage=Stage.PRODUCTION))),
        ("models:/Fraud/latest", ModelUri("Fraud", VersionRef(latest=True))),
        ("models:/other/1", ModelUri("other", VersionRef(number=1))),
    ],
)
def test_parse_model_uri_valid_returns_uri(uri: str, expected: ModelUri) -> None:
    assert parse_model_uri(uri) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "models:/",
        "models:/Fraud",
        "models:/Fraud/",
        "models:/Fraud/1/2",
        "models:/Fraud/latest/",
        "models:/Fraud@",
        "models:/Fraud@a/b",
        "models:/Fraud@1",
        "models:/Fraud@latest",
        "models:/../x/1",
        "models:/a%2Fb/1",
        "models:/a/b/1",
        "models:/Fraud/0",
        "models:/Fraud/01",
        "models:/Fraud/-1",
        "models:/Fraud/1.0",
        "models:/Fraud/99999999999999999999",
        "models:/Fr\u0430ud/1",
        "models:/Fraud\nINFO fake/1",
        "Models:/Fraud/1",
        " models:/Fraud/1",
        "models:Fraud/1",
        "runs:/0123/model",
        "file:///etc/passwd",
        "s3://bucket/a/../../b",
        "mlflow-artifacts:/../../x",
        "",
    ],
)
def test_parse_model_uri_malformed_raises_invalid_argument(uri: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_model_uri(uri)


def test_parse_model_uri_non_string_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        parse_model_uri(None)


@FUZZ
@given(MODEL_NAMES, VERSIONS)
def test_parse_model_uri_every_valid_name_and_number_round_trips(name: str, number: int) -> None:
    uri = f"models:/{name}/{number}"
    parsed = parse_model_uri(uri)
    assert parsed == ModelUri(name, VersionRef(number=number))
    assert str(parsed) == uri


@FUZZ
@given(MODEL_NAMES, ALIASES)
def test_parse_model_uri_every_valid_name_and_alias_round_trips(name: str, alias: str) -> None:
    uri = f"models:/{name}@{alias}"
    parsed = parse_model_uri(uri)
    assert parsed == ModelUri(name, VersionRef(alias=alias))
    assert str(parsed) == uri


@FUZZ
@given(MODEL_NAMES, st.sampled_from([*Stage, "latest"]))
def test_parse_model_uri_every_valid_name_and_stage_round_trips(name: str, ref: str) -> None:
    uri = f"models:/{name}/{ref}"
    assert str(parse_model_uri(uri)) == uri


@FUZZ
@given(st.text())
def test_parse_model_uri_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    for candidate in (text, "models:/" + text):
        try:
            parsed = parse_model_uri(candidate)
        except InvalidArgument:
            continue
        assert names.MODEL_NAME_RE.fullmatch(parsed.name)


@FUZZ
@given(st.text())
def test_parse_ref_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    with contextlib.suppress(InvalidArgument):
        parse_ref(text)


@FUZZ
@given(MODEL_NAMES, st.text(min_size=1))
def test_parse_model_uri_never_accepts_a_name_outside_the_grammar(name: str, junk: str) -> None:
    assume(not names.MODEL_NAME_RE.fullmatch(unicodedata.normalize("NFC", name + junk)))
    with pytest.raises(InvalidArgument):
        parse_model_uri(f"models:/{name}{junk}/1")
