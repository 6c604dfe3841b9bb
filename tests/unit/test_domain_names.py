"""The one name grammar: model names, aliases, tag keys and values, version numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.domain import names
from modelyard.errors import InvalidArgument

FUZZ = settings(database=None, deadline=None)
MODEL_NAMES = st.from_regex(names.MODEL_NAME_RE, fullmatch=True)

BAD_MODEL_NAMES = [
    "a/b",
    "a:b",
    "a@b",
    "a#b",
    "a?b",
    "a%b",
    "a%2Fb",
    "a+b",
    "my model",
    "my%20model",
    " Fraud",
    "Fraud ",
    "Fraud\n",
    "\tFraud",
    ".",
    "..",
    "",
    "a" * 10_000,
    "a" * 129,
    "Fr\u0430ud",  # Cyrillic а
    "Caf\u00e9",  # NFC
    "Cafe\u0301",  # NFD
    "Fr\u200daud",  # zero-width joiner
    "\u202eduarF",  # right-to-left override
    "name\nINFO fake",
    "\x1b[31mFraud",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    ".hidden",
    "-dash",
    "_under",
    "Fraud\x00",
    # the rest of the API and SDK suites' lists, which now send only representatives
    "../Fraud",
    "Fraud/..",
    "a/../b",
    "@champion",
    "%2e%2e",
    "...",
    "name\r\nX-Injected: 1",
    "del\x7f",
    "a\\b",
    "C:",
    "~root",
    "\uff26\uff52\uff41\uff55\uff44",  # fullwidth Ｆｒａｕｄ
    "a" * 1024,
]


@pytest.mark.parametrize("name", ["Fraud", "fraud-detection_v2.1", "0model", "a" * 128, "A"])
def test_model_name_valid_returns_it_unchanged(name: str) -> None:
    assert names.model_name(name) == name


@pytest.mark.parametrize("name", BAD_MODEL_NAMES)
def test_model_name_hostile_raises_invalid_argument(name: str) -> None:
    with pytest.raises(InvalidArgument):
        names.model_name(name)


@pytest.mark.parametrize("value", [None, 5, b"Fraud", ["Fraud"]])
def test_model_name_non_string_raises_invalid_argument(value: object) -> None:
    with pytest.raises(InvalidArgument):
        names.model_name(value)


def test_model_name_error_message_truncates_long_input() -> None:
    with pytest.raises(InvalidArgument) as info:
        names.model_name("x" * 10_000 + "/")
    assert len(info.value.message) < 300


def test_model_name_compatibility_twin_normalizes_to_ascii_twin() -> None:
    # KELVIN SIGN is canonically equivalent to K: both spellings name one model.
    assert names.model_name("\u212aey") == "Key"


@FUZZ
@given(MODEL_NAMES)
def test_model_name_accepts_every_grammar_string(name: str) -> None:
    assert names.model_name(name) == name


@FUZZ
@given(st.text())
def test_model_name_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    try:
        result = names.model_name(text)
    except InvalidArgument:
        return
    assert names.MODEL_NAME_RE.fullmatch(result)


def test_name_key_case_twins_collide() -> None:
    assert names.name_key("FraudModel") == names.name_key("fraudmodel")


def test_name_key_different_names_differ() -> None:
    assert names.name_key("Fraud") != names.name_key("Fraud2")


@pytest.mark.parametrize("alias", ["champion", "_x", "v1a", "challenger-2", "a" * 64])
def test_alias_name_valid_returns_it(alias: str) -> None:
    assert names.alias_name(alias) == alias


@pytest.mark.parametrize(
    "alias",
    [
        "1",
        "01",
        "v1",
        "V12",
        "latest",
        "Latest",
        "Production",
        "production",
        "STAGING",
        "None",
        "archived",
        "",
        "1abc",
        "a b",
        "a/b",
        "a@b",
        "a" * 65,
        "champion\n",
        "ch\u0430mpion",
        "\u202echampion",
    ],
)
def test_alias_name_reserved_or_malformed_raises_invalid_argument(alias: str) -> None:
    with pytest.raises(InvalidArgument):
        names.alias_name(alias)


def test_alias_name_non_string_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        names.alias_name(1)


@FUZZ
@given(st.text())
def test_alias_name_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    try:
        result = names.alias_name(text)
    except InvalidArgument:
        return
    assert names.ALIAS_RE.fullmatch(result)
    assert result.casefold() not in names.RESERVED_ALIASES


@pytest.mark.parametrize("key", ["owner", "mlflow.source", "a b", "team/ml:owner", "_", "a" * 250])
def test_tag_key_valid_returns_it(key: str) -> None:
    assert names.tag_key(key) == key


@pytest.mark.parametrize(
    "key", ["", " a", "a ", "-a", "a\nb", "a\tb", "a" * 251, "own\u0435r", "a\x1b[0m", "a%b"]
)
def test_tag_key_malformed_raises_invalid_argument(key: str) -> None:
    with pytest.raises(InvalidArgument):
        names.tag_key(key)


def test_tag_value_at_limit_is_accepted() -> None:
    value = "x" * names.MAX_TAG_VALUE
    assert names.tag_value(value) == value


@pytest.mark.parametrize("size", [names.MAX_TAG_VALUE + 1, 1024 * 1024])
def test_tag_value_too_long_raises_invalid_argument(size: int) -> None:
    with pytest.raises(InvalidArgument):
        names.tag_value("x" * size)


@pytest.mark.parametrize("value", ["line one\nline two", "tab\tseparated", "", "Zürich ✓"])
def test_tag_value_ordinary_text_is_accepted(value: str) -> None:
    assert names.tag_value(value) == value


@pytest.mark.parametrize(
    "value", ["\x1b[31mred", "a\rb", "a\x00b", "x\u200dy", "\u202eevil", "\ufeffbom", "\x85"]
)
def test_tag_value_control_or_invisible_characters_raise_invalid_argument(value: str) -> None:
    with pytest.raises(InvalidArgument):
        names.tag_value(value)


def test_tag_value_non_string_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        names.tag_value(3)


def test_description_too_long_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument):
        names.description("d" * (names.MAX_DESCRIPTION + 1))


@pytest.mark.parametrize(
    ("value", "number"), [("1", 1), ("42", 42), (7, 7), ("2147483647", 2**31 - 1)]
)
def test_version_number_valid_returns_int(value: object, number: int) -> None:
    assert names.version_number(value) == number


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "-1",
        "01",
        "1.0",
        "99999999999999999999",
        "2147483648",
        "",
        " 1",
        "1 ",
        "+1",
        "１",  # fullwidth digit one
        "1e3",
        "0x10",
        0,
        -1,
        2**31,
        10**30,
        True,
        1.0,
        None,
    ],
)
def test_version_number_malformed_raises_invalid_argument(value: object) -> None:
    with pytest.raises(InvalidArgument):
        names.version_number(value)


@FUZZ
@given(st.integers(min_value=1, max_value=names.MAX_VERSION))
def test_version_number_round_trips_every_valid_number(number: int) -> None:
    assert names.version_number(str(number)) == number


@FUZZ
@given(st.text())
def test_version_number_arbitrary_text_raises_only_invalid_argument(text: str) -> None:
    try:
        number = names.version_number(text)
    except InvalidArgument:
        return
    assert str(number) == text
