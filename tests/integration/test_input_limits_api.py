"""The contract's input limits through the routes (API.md "Security rules (v2)" -> "Input
limits"): each input an outside red team turned into a 500, or into an item no later read
could serve, is now a 4xx and stores nothing.

Each test fails when the rule it is named for is removed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from roster.repository import get_repository, keys
from roster_local import LocalResponse, Runtime
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD
from support.api import access_token, bearer, login

KELVIN, DOTLESS_I, LONG_S = "\u212a", "\u0131", "\u017f"


class Admin:
    """The owner, signed in; ``call`` sends a dict as JSON and a str as the raw body."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        runtime.create_owner(OWNER_PASSWORD)
        self.token = access_token(runtime, "admin", OWNER_PASSWORD)

    def call(self, method: str, path: str, body: Any = None, *,
             headers: dict[str, str] | None = None) -> LocalResponse:
        sent = {**bearer(self.token), "Content-Type": "application/json", **(headers or {})}
        return self.runtime.invoke(method, path, body=body, headers=sent)

    def create_agent(self, account: str, **fields: Any) -> LocalResponse:
        return self.call("POST", "/agents", {
            "account": account, "email": f"agent{len(account)}@example.com",
            "firstName": "Agent", "password": AGENT_PASSWORD, "forcePasswordChange": False,
            "sendWelcome": False, **fields})

    def accounts(self) -> list[str]:
        reply = self.call("GET", "/agents")
        assert reply.status == 200, reply.json()
        return [agent["account"] for agent in reply.json()["items"]]


@pytest.fixture
def admin(runtime: Runtime) -> Admin:
    return Admin(runtime)


def refused(reply: LocalResponse) -> list[dict[str, str]]:
    """The ``errors[]`` of a ``422 validation_failed`` problem document."""
    assert reply.status == 422, reply.json()
    assert reply.header("Content-Type") == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "validation_failed"
    return list(problem["errors"])


def raw_login(runtime: Runtime, body: str) -> LocalResponse:
    return runtime.invoke("POST", "/auth/login", body=body,
                          headers={"Content-Type": "application/json"})


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# ------------------------------------------------------------------ the body reader
def test_public_login_with_an_integer_of_5000_digits_is_422(runtime: Runtime) -> None:
    """Fails if any route reads bodies without the digit limit (was a 500 ValueError)."""
    reply = raw_login(runtime, '{"login": ' + "9" * 5000 + ', "password": "x"}')
    assert refused(reply) == [{"field": "login",
                               "message": "must be an integer of at most 38 digits"}]


def test_public_login_nested_1000_levels_is_422(runtime: Runtime) -> None:
    """Fails if the depth limit is removed (was a 500 RecursionError)."""
    reply = raw_login(runtime, '{"login": ' + nested(1000) + ', "password": "x"}')
    assert refused(reply) == [{"field": "body",
                               "message": "The body is nested deeper than 32 levels"}]


def test_a_body_nested_32_levels_is_read_and_33_is_refused(runtime: Runtime) -> None:
    """Fails if the depth limit is off by one: 32 levels reach the model (which names
    the field), 33 are refused as a body."""
    at_limit = raw_login(runtime, '{"login": ' + nested(31) + ', "password": "x"}')
    assert [e["field"] for e in refused(at_limit)] == ["login"]
    over = raw_login(runtime, '{"login": ' + nested(32) + ', "password": "x"}')
    assert [e["field"] for e in refused(over)] == ["body"]


@pytest.mark.parametrize("number", ["-Infinity", "Infinity", "NaN", "1e308", "1e-320",
                                    "1" + "0" * 39])
def test_agent_properties_refuse_non_json_and_out_of_range_numbers_and_store_nothing(
        admin: Admin, number: str) -> None:
    """Fails if such a number reaches the table (``-Infinity`` was stored, and sign-in,
    GET, PATCH and DELETE of the agent and GET /agents then answered 500)."""
    body = ('{"account": "jdoe", "email": "jdoe@example.com", "firstName": "J", '
            '"sendWelcome": false, "properties": {"x": ' + number + "}}")
    assert [e["field"] for e in refused(admin.call("POST", "/agents", body))] == ["properties.x"]
    assert admin.accounts() == ["admin"]
    assert get_repository().table.get(keys.account_guard("jdoe")) is None


@pytest.mark.parametrize("number", ["-Infinity", "5e-324", "1e-320", "1e308", "0.1234567"])
def test_group_properties_refuse_the_same_numbers_and_store_nothing(admin: Admin,
                                                                    number: str) -> None:
    """Fails if ``POST /groups`` stores what the limits refuse (schemathesis found tiny
    floats there answered 500)."""
    body = '{"id": "g", "name": "G", "properties": {"x": ' + number + "}}"
    assert [e["field"] for e in refused(admin.call("POST", "/groups", body))] == ["properties.x"]
    assert admin.call("GET", "/groups/g").status == 404


def test_patch_refuses_negative_infinity_and_keeps_the_agent_readable(admin: Admin) -> None:
    """Fails if ``PATCH`` stores a non-finite property (every later read was a 500)."""
    created = admin.create_agent("jdoe", properties={"x": 1})
    assert created.status == 201, created.json()
    path = f"/agents/{created.json()['id']}"
    refused(admin.call("PATCH", path, '{"properties": {"x": -Infinity}}'))
    assert admin.call("GET", path).json()["properties"] == {"x": 1}


# ------------------------------------------------------------------ properties
def test_property_names_outside_the_allowed_characters_are_422(admin: Admin) -> None:
    """Fails if an agent stores a ``__proto__``-style or out-of-alphabet property name."""
    for name in ("__proto__", "bad name", "a" * 65):
        errors = refused(admin.create_agent("jdoe", properties={name: 1}))
        assert [e["field"] for e in errors] == [f"properties.{name}"]
    assert admin.accounts() == ["admin"]


def test_properties_within_the_limits_round_trip_through_storage(admin: Admin) -> None:
    """Fails if a value the limits allow is refused, changed, or cannot be read back
    (DynamoDB gives numbers back as ``Decimal``)."""
    properties = {"big": 10**15, "small": -(10**15), "tiny": 0.000001,
                  "wide": -999999999999999.5, "text": "x" * 1000, "flag": True,
                  "a.b-c_D": 0}
    created = admin.create_agent("jdoe", properties=properties)
    assert created.status == 201, created.json()
    read = admin.call("GET", f"/agents/{created.json()['id']}")
    assert read.status == 200 and read.json()["properties"] == properties
    group = admin.call("POST", "/groups", {"id": "g", "name": "G", "properties": properties})
    assert group.status == 201, group.json()
    assert admin.call("GET", "/groups/g").json()["properties"] == properties


def test_a_stored_negative_infinity_no_longer_breaks_reads(admin: Admin) -> None:
    """Fails if reading a legacy non-finite number raises (boto3 stores ``-Infinity``;
    ``int()`` of it failed every read: sign-in, GET, PATCH and GET /agents)."""
    created = admin.create_agent("jdoe")
    agent_id = created.json()["id"]
    get_repository().table.client.update_item(
        TableName=get_repository().table.name, Key={"pk": {"S": f"AGENT#{agent_id}"},
                                                    "sk": {"S": "PROFILE"}},
        UpdateExpression="SET properties = :p",
        ExpressionAttributeValues={":p": {"M": {"x": {"N": str(Decimal("-Infinity"))}}}})
    assert admin.call("GET", f"/agents/{agent_id}").status == 200
    assert "jdoe" in admin.accounts()
    assert login(admin.runtime, "jdoe", AGENT_PASSWORD).status == 200
    assert admin.call("PATCH", f"/agents/{agent_id}", {"properties": {"x": 2}}).status == 200


# ------------------------------------------------------------------ If-Match
def test_if_match_of_4301_digits_is_412(admin: Admin) -> None:
    """Fails if ``If-Match`` is converted without a length cap (``int()`` of 4,301
    digits raised: a 500)."""
    created = admin.create_agent("jdoe")
    for value in ('"' + "1" * 4301 + '"', "1" * 19):
        reply = admin.call("PATCH", f"/agents/{created.json()['id']}", {"title": "x"},
                           headers={"If-Match": value})
        assert reply.status == 412, reply.json()
        assert reply.json()["code"] == "version_conflict"


# ------------------------------------------------------------------ accounts
@pytest.mark.parametrize("account", [f"{KELVIN}ate", f"adm{DOTLESS_I}n", f"{LONG_S}upport"])
def test_accounts_with_non_ascii_lookalike_letters_are_422(admin: Admin,
                                                          account: str) -> None:
    """Fails if an account may hold a character that ``str.lower()`` or ``casefold()``
    turns into an ASCII letter (the Kelvin sign, dotless i, long s)."""
    assert [e["field"] for e in refused(admin.create_agent(account))] == ["account"]
    assert admin.accounts() == ["admin"]


@pytest.mark.parametrize("account", ["me", "numeric-ids", "NUMERIC-IDS",
                                     "123e4567-e89b-12d3-a456-426614174000"])
def test_accounts_equal_to_path_words_or_uuid_shaped_are_422(admin: Admin,
                                                             account: str) -> None:
    """Fails if an account could stand for ``/agents/me``, ``/agents/numeric-ids`` or an
    agent id."""
    assert [e["field"] for e in refused(admin.create_agent(account))] == ["account"]


def test_login_matches_an_account_in_any_ascii_case(runtime: Runtime) -> None:
    """Fails if account matching stops folding ASCII case (``admin`` vs ``ADMIN``)."""
    runtime.create_owner(OWNER_PASSWORD)
    assert login(runtime, "ADMIN", OWNER_PASSWORD).status == 200
    assert login(runtime, "aDmIn", OWNER_PASSWORD).status == 200


def test_a_login_with_a_kelvin_sign_does_not_reach_the_ascii_account(admin: Admin) -> None:
    """Fails if logins are folded with ``str.lower()``, which maps the Kelvin sign to
    ``k`` so that ``\u212aate`` signs in as ``kate``."""
    assert admin.create_agent("kate").status == 201
    assert login(admin.runtime, "kate", AGENT_PASSWORD).status == 200
    assert login(admin.runtime, f"{KELVIN}ate", AGENT_PASSWORD).status == 401


def test_properties_are_bounded_in_total_so_every_read_can_serve_them(
        runtime: Runtime) -> None:
    """Rule: nothing is stored that a later read cannot serve. 50 values of 1,000 emoji
    each were accepted, then the next PATCH broke DynamoDB's 400 KB item limit (500) and a
    page of such agents outgrew Lambda's 6 MB answer (red team). All properties together
    take at most 8,192 characters of JSON: more is 422 naming ``properties``."""
    import json

    from roster.models.properties import MAX_PROPERTIES_JSON

    runtime.create_owner(OWNER_PASSWORD)
    token = access_token(runtime, "admin", OWNER_PASSWORD)
    huge = {f"k{n}": "\U0001f600" * 1000 for n in range(50)}
    created = runtime.invoke("POST", "/agents", headers=bearer(token), body={
        "account": "emoji", "email": "emoji@example.com", "firstName": "E",
        "passwordMode": "invite", "sendWelcome": False, "properties": huge})
    assert created.status == 422 and created.json()["errors"][0]["field"] == "properties"
    fits = {f"k{n}": "x" * 150 for n in range(50)}
    assert len(json.dumps(fits, separators=(",", ":"))) <= MAX_PROPERTIES_JSON
    created = runtime.invoke("POST", "/agents", headers=bearer(token), body={
        "account": "emoji", "email": "emoji@example.com", "firstName": "E",
        "passwordMode": "invite", "sendWelcome": False, "properties": fits})
    assert created.status == 201, created.json()
    group = runtime.invoke("POST", "/groups", headers=bearer(token),
                           body={"id": "loud", "name": "Loud", "properties": huge})
    assert group.status == 422
