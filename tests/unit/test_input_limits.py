"""The contract's input limits below the routes: the body reader (``json_limits``), the
``properties`` and ``account`` rules, account folding, ``If-Match`` and stored numbers.

Each test fails when the rule it is named for is removed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from roster import json_limits
from roster.errors import ValidationFailed, VersionConflict
from roster.models.agent import fold_account
from roster.models.agents_api import CreateAgentRequest
from roster.models.catalog import GroupCreate
from roster.repository import keys
from roster.repository.table import deserialize
from roster.services.agents import parse_if_match

KELVIN, DOTLESS_I, LONG_S = "\u212a", "\u0131", "\u017f"


def refusals(text: str) -> list[dict[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        json_limits.loads(text)
    assert caught.value.status == 422 and caught.value.code == "validation_failed"
    return caught.value.errors


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# ------------------------------------------------------------------ nesting
def test_nesting_of_32_levels_is_read_and_33_is_refused() -> None:
    """Fails if the depth limit is removed or off by one."""
    assert json_limits.loads(nested(32)) is not None
    assert refusals(nested(33)) == [{"field": "body", "message": json_limits.DEPTH_RULE}]


def test_nesting_of_1000_levels_is_refused_before_the_parser_recurses() -> None:
    """Fails if the depth is not checked before ``json.loads`` (RecursionError: a 500)."""
    assert refusals('{"a": ' + nested(1000) + "}")[0]["field"] == "body"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    """Fails if the depth scanner counts brackets inside strings (escaped quotes too)."""
    text = json.dumps({"a": "[" * 100 + '\\"{' * 50, "b": ["{{{"]})
    assert json_limits.loads(text) == json.loads(text)


# ------------------------------------------------------------------ integers
def test_an_integer_of_more_than_38_digits_is_refused_before_conversion() -> None:
    """Fails if the digit count is not checked before ``int()`` (ValueError past 4,300
    digits: a 500)."""
    assert refusals('{"login": ' + "7" * 5000 + "}") == [
        {"field": "login", "message": json_limits.INTEGER_RULE}]
    assert refusals("-" + "1" * 39)[0]["message"] == json_limits.INTEGER_RULE
    assert refusals("1" * 38)[0]["message"] == json_limits.RANGE_RULE


# ------------------------------------------------------------------ NaN / Infinity
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_naming_the_field(constant: str) -> None:
    """Fails if ``parse_constant`` lets Python's non-JSON constants through."""
    assert refusals('{"properties": {"x": ' + constant + "}}") == [
        {"field": "properties.x", "message": json_limits.FINITE_RULE}]


# ------------------------------------------------------------------ magnitude, fraction
@pytest.mark.parametrize("literal", ["1000000000000001", "-1000000000000001", "1e308",
                                     "-1.5e15", "1e999999999999999999999", "1E+16"])
def test_numbers_outside_1e15_are_refused(literal: str) -> None:
    """Fails if the magnitude rule is removed (``1e308`` was stored, then unreadable)."""
    assert refusals('{"n": ' + literal + "}") == [
        {"field": "n", "message": json_limits.RANGE_RULE}]


@pytest.mark.parametrize("literal", ["0.1234567", "1e-320", "5e-324", "-1e-7", "2.0000001"])
def test_numbers_with_more_than_6_fractional_digits_are_refused(literal: str) -> None:
    """Fails if the fraction rule is removed (tiny floats on ``POST /groups`` were 500)."""
    assert refusals('{"n": ' + literal + "}") == [
        {"field": "n", "message": json_limits.FRACTION_RULE}]


@pytest.mark.parametrize(("literal", "value"), [
    ("1000000000000000", 10**15), ("-1e15", -1e15), ("0.123456", 0.123456),
    ("1.5000000", 1.5), ("0e-400", 0.0), ("-999999999999999.5", -999999999999999.5),
])
def test_numbers_within_the_limits_are_read(literal: str, value: Any) -> None:
    """Fails if the limits refuse the edges they allow (fractions are judged by value)."""
    assert json_limits.loads('{"n": ' + literal + "}") == {"n": value}


def test_refused_numbers_are_named_by_their_path() -> None:
    """Fails if refusals lose their place (lists by index, objects by key)."""
    assert refusals('{"skills": [{"level": 1}, {"level": NaN}], "x": 1e99}') == [
        {"field": "skills.1.level", "message": json_limits.FINITE_RULE},
        {"field": "x", "message": json_limits.RANGE_RULE},
    ]


def test_the_error_list_of_one_body_is_bounded() -> None:
    """Fails if a body of a million refused numbers gets a million entries back."""
    assert len(refusals("[" + ",".join(["NaN"] * 1000) + "]")) == json_limits.MAX_REPORTED


def test_text_that_is_not_json_is_still_a_decode_error() -> None:
    """Fails if the reader hides ``JSONDecodeError`` (answered 'The body is not valid
    JSON' by the resolver) behind another exception."""
    with pytest.raises(json.JSONDecodeError):
        json_limits.loads('{"login": ')


# ------------------------------------------------------------------ properties
def group(properties: Any) -> GroupCreate:
    return GroupCreate.model_validate({"id": "g", "name": "G", "properties": properties})


def agent(**fields: Any) -> CreateAgentRequest:
    return CreateAgentRequest.model_validate(
        {"account": "jdoe", "email": "j@example.com", "firstName": "J", **fields})


def error_fields(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [".".join(str(p) for p in e["loc"] if p != "[key]") for e in error.value.errors()]


@pytest.mark.parametrize("build", [group, lambda p: agent(properties=p)])
@pytest.mark.parametrize("name", ["__proto__", "__x", "", "a" * 65, "bad name", "ø", "a:b"])
def test_property_names_are_1_to_64_of_the_allowed_characters(build: Any, name: str) -> None:
    """Fails if agents or groups accept a name outside ``A-Z a-z 0-9 _ . -`` (1-64, no
    leading ``__``)."""
    with pytest.raises(ValidationError) as caught:
        build({name: 1})
    assert error_fields(caught) == [f"properties.{name}"]


@pytest.mark.parametrize("build", [group, lambda p: agent(properties=p)])
def test_property_names_and_values_within_the_rules_are_accepted(build: Any) -> None:
    """Fails if the rules refuse what the contract allows."""
    properties = {"a" * 64: "x" * 1000, "wrap.up-seconds_2": 60, "ratio": 0.5, "vip": True,
                  "Z": -10**15}
    assert build(properties).properties == properties


@pytest.mark.parametrize("build", [group, lambda p: agent(properties=p)])
@pytest.mark.parametrize("value", ["x" * 1001, None, [1], {"a": 1}, float("-inf"),
                                   float("nan"), 10**15 + 1, 1e16])
def test_property_values_are_text_booleans_or_numbers_within_1e15(build: Any,
                                                                   value: Any) -> None:
    """Fails if agents or groups store a value the contract refuses (``-Infinity`` was
    stored and broke every read of the agent)."""
    with pytest.raises(ValidationError) as caught:
        build({"x": value})
    assert error_fields(caught) == ["properties.x"]


@pytest.mark.parametrize("build", [group, lambda p: agent(properties=p)])
def test_at_most_50_properties(build: Any) -> None:
    """Fails if the 50-key cap is removed from agents or groups."""
    assert len(build({f"p{i}": i for i in range(50)}).properties) == 50
    with pytest.raises(ValidationError):
        build({f"p{i}": i for i in range(51)})


# ------------------------------------------------------------------ accounts
@pytest.mark.parametrize("account", [f"{KELVIN}ate", f"adm{DOTLESS_I}n", f"{LONG_S}upport",
                                     "admin\n", "ädmin", "ad min"])
def test_accounts_are_ascii_only(account: str) -> None:
    """Fails if the pattern matches Unicode look-alikes (``re.IGNORECASE`` without
    ``re.ASCII`` lets ``[a-z]`` match the Kelvin sign, dotless i and long s) or a
    trailing newline (``$``)."""
    with pytest.raises(ValidationError) as caught:
        agent(account=account)
    assert error_fields(caught) == ["account"]


@pytest.mark.parametrize("account", ["me", "ME", "numeric-ids", "Numeric-IDs",
                                     "123e4567-e89b-12d3-a456-426614174000",
                                     "123E4567E89B12D3A456426614174000"])
def test_accounts_may_not_be_path_words_or_uuid_shaped(account: str) -> None:
    """Fails if an account could be read as ``/agents/me``, ``/agents/numeric-ids`` or an
    agent id."""
    with pytest.raises(ValidationError) as caught:
        agent(account=account)
    assert error_fields(caught) == ["account"]


def test_accounts_keep_their_ascii_case_as_given() -> None:
    """Fails if an account of capitals and ``.``/``_``/``-`` is refused or changed."""
    assert agent(account="Jane.Doe_2-x").account == "Jane.Doe_2-x"


def test_accounts_are_folded_in_ascii_only() -> None:
    """Fails if account keys use ``str.lower()``/``casefold()``, which turn the Kelvin
    sign into ``k`` and long s into ``s``, so a look-alike login reaches the account."""
    assert fold_account("ADMIN.x-Y_z") == "admin.x-y_z"
    assert fold_account(f"{KELVIN}ATE") == f"{KELVIN}ate"
    assert keys.login_guard(f"{KELVIN}ate") != keys.login_guard("kate")
    assert keys.login_guard(f"{LONG_S}upport") != keys.login_guard("support")
    assert keys.login_guard("ADMIN") == keys.login_guard("admin")
    assert keys.login_guard("Jane@Example.COM") == keys.email_guard("jane@example.com")


# ------------------------------------------------------------------ If-Match
@pytest.mark.parametrize(("header", "version"), [
    ('"1"', 1), (' "4" ', 4), ('"' + "9" * 18 + '"', 10**18 - 1)])
def test_if_match_names_a_version_of_at_most_18_digits(header: str, version: int) -> None:
    """Fails if the forms the API accepts stop naming their version."""
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ['"' + "1" * 19 + '"', '"' + "1" * 4301 + '"', "1" * 4301,
                                    '"\u00b2"', '"\u0663"', '""1""', '"1', "W/1", "", '"-1"',
                                    'W/"2"', "3"])
def test_if_match_of_anything_else_is_a_version_conflict(header: str) -> None:
    """Fails if ``parse_if_match`` converts more than 18 digits or non-ASCII digits
    (``int()`` raised on 4,301 digits and on ``²``: a 500), or takes what API.md v2
    refuses: a weak tag, a bare number."""
    with pytest.raises(VersionConflict):
        parse_if_match(header)


# ------------------------------------------------------------------ stored numbers
@pytest.mark.parametrize(("stored", "read"), [
    ("1000000000000000", 10**15), ("-1E+15", -(10**15)), ("0.000001", 0.000001),
    ("-999999999999999.5", -999999999999999.5), ("1000000000000000.0", 10**15)])
def test_stored_numbers_of_the_allowed_range_read_back(stored: str, read: Any) -> None:
    """Fails if reading a number the limits allow changes its value."""
    assert deserialize({"n": {"N": stored}}) == {"n": read}


def test_a_stored_negative_infinity_reads_as_a_float() -> None:
    """Fails if a legacy ``-Infinity`` (boto3 stores it) raises on read: ``int()`` of it
    raised ``OverflowError`` in every read of the agent (sign-in, GET, PATCH, DELETE)."""
    assert deserialize({"n": {"N": "-Infinity"}}) == {"n": float("-inf")}
