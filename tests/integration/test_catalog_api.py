"""Catalogues over the catalog function's handler, behind the real authorizer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from roster.authorization import Actor
from roster.models.catalog import MAX_REFERENCES, GroupCreate, QueuePatch
from roster.permissions import ALL_PERMISSIONS
from roster.repository.catalog import CatalogStore
from roster.services import catalog
from roster_local import Runtime
from roster_local.template import Template
from support.aws_calls import aws_calls, with_actions
from support.catalog import CatalogRuntime

KINDS = ("roles", "queues", "skills", "groups", "profiles")
PASSWORD = "Another-Strong-Pass-7"


@pytest.fixture
def rt(owner: Runtime) -> CatalogRuntime:
    return CatalogRuntime(owner)


def problem(reply: Any) -> tuple[int, str]:
    return reply.status, reply.json()["code"]


def seed(rt: CatalogRuntime) -> None:
    """A queue, a skill, a profile using the skill, a group using the profile."""
    for path, body in [
        ("/queues", {"id": "sales", "name": "Sales"}),
        ("/skills", {"id": "billing", "name": "Billing"}),
        ("/profiles", {"id": "evening", "name": "Evening",
                       "skills": [{"skillId": "billing", "level": 3}]}),
        ("/groups", {"id": "oslo", "name": "Oslo", "profiles": ["evening"],
                     "properties": {"wrapUpSeconds": 60}}),
    ]:
        assert rt.invoke("POST", path, body=body).status == 201


# ------------------------------------------------------------------ create / read
@pytest.mark.parametrize("kind", KINDS)
def test_create_then_read_and_list(rt: CatalogRuntime, kind: str) -> None:
    # Given nothing named "night" / When created
    reply = rt.invoke("POST", f"/{kind}", body={"id": "night", "name": " Night ",
                                                 "description": "after 18:00"})
    # Then 201 with Location and the resource, which reads back and is listed
    assert reply.status == 201
    assert reply.headers["Location"] == f"/{kind}/night"
    created = reply.json()
    assert created["id"] == "night" and created["name"] == "Night"
    assert created["description"] == "after 18:00"
    assert created["createdAt"] == created["updatedAt"]
    assert created["createdAt"].endswith("Z")
    assert rt.invoke("GET", f"/{kind}/night").json() == created
    assert created in rt.invoke("GET", f"/{kind}").json()["items"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_id_twice_is_already_exists(rt: CatalogRuntime, kind: str) -> None:
    assert rt.invoke("POST", f"/{kind}", body={"id": "x1", "name": "One"}).status == 201
    reply = rt.invoke("POST", f"/{kind}", body={"id": "x1", "name": "Two"})
    assert problem(reply) == (409, "already_exists")
    assert rt.invoke("GET", f"/{kind}/x1").json()["name"] == "One"


def test_a_built_in_role_id_cannot_be_created(rt: CatalogRuntime) -> None:
    reply = rt.invoke("POST", "/roles", body={"id": "manager", "name": "Mine"})
    assert problem(reply) == (409, "already_exists")


@pytest.mark.parametrize("body", [
    {"id": "Sales", "name": "upper case"},
    {"id": "a" * 65, "name": "too long"},
    {"id": "", "name": "empty"},
    {"id": "a/b", "name": "slash"},
    {"id": "ok"},
    {"id": "ok", "name": ""},
    {"id": "ok", "name": "x", "colour": "red"},
    {"id": 7, "name": "number"},
])
def test_a_bad_body_is_validation_failed(rt: CatalogRuntime, body: dict[str, Any]) -> None:
    reply = rt.invoke("POST", "/queues", body=body)
    assert problem(reply) == (422, "validation_failed")
    assert reply.json()["errors"]


def test_a_body_that_is_not_json_is_a_4xx(rt: CatalogRuntime) -> None:
    reply = rt.invoke("POST", "/queues", raw_body="{not json")
    assert 400 <= reply.status < 500


@pytest.mark.parametrize("item_id", ["ghost", "UPPER", "x" * 2000])
def test_an_unknown_item_is_not_found(rt: CatalogRuntime, item_id: str) -> None:
    assert problem(rt.invoke("GET", f"/queues/{item_id}")) == (404, "not_found")
    assert problem(rt.invoke("PATCH", f"/queues/{item_id}", body={"name": "n"})) == (
        404, "not_found")
    assert problem(rt.invoke("DELETE", f"/queues/{item_id}")) == (404, "not_found")


# ------------------------------------------------------------------ roles
def test_roles_carry_known_permissions_once_in_canonical_order(rt: CatalogRuntime) -> None:
    reply = rt.invoke("POST", "/roles", body={
        "id": "auditor", "name": "Auditor",
        "permissions": ["audit:read", "agents:read", "audit:read"]})
    assert reply.status == 201
    assert reply.json()["permissions"] == ["agents:read", "audit:read"]
    assert reply.json()["builtIn"] is False


def test_an_unknown_permission_is_validation_failed(rt: CatalogRuntime) -> None:
    reply = rt.invoke("POST", "/roles", body={"id": "r", "name": "R",
                                              "permissions": ["agents:fly"]})
    assert problem(reply) == (422, "validation_failed")


def test_built_in_roles_are_listed_and_protected(rt: CatalogRuntime) -> None:
    # Given the seeded built-in roles
    roles = {r["id"]: r for r in rt.invoke("GET", "/roles").json()["items"]}
    assert {"admin", "manager", "agent", "agent_test"} <= set(roles)
    assert roles["manager"]["builtIn"] is True
    # Then they cannot be deleted, nor their permissions changed
    assert problem(rt.invoke("DELETE", "/roles/agent")) == (409, "built_in")
    reply = rt.invoke("PATCH", "/roles/manager", body={"permissions": ["agents:read"]})
    assert problem(reply) == (409, "built_in")
    # But they may be renamed, and sending their permissions back unchanged is fine
    reply = rt.invoke("PATCH", "/roles/manager", body={
        "name": "Team lead", "permissions": roles["manager"]["permissions"]})
    assert reply.status == 200 and reply.json()["name"] == "Team lead"
    assert reply.json()["permissions"] == roles["manager"]["permissions"]


def test_custom_role_permissions_change_and_take_effect(rt: CatalogRuntime) -> None:
    # Given a custom role without permissions and an agent holding it
    rt.invoke("POST", "/roles", body={"id": "planner", "name": "Planner"})
    rt.create_agent("plan1", roles=("planner",), password=PASSWORD)
    token = rt.login("plan1", PASSWORD)
    assert rt.invoke("GET", "/queues", token=token).status == 403
    # When the role gains catalog:write
    reply = rt.invoke("PATCH", "/roles/planner", body={"permissions": ["catalog:write"]})
    assert reply.status == 200 and reply.json()["permissions"] == ["catalog:write"]
    # Then the agent's next request may use it
    assert rt.invoke("POST", "/queues", token=token, body={"id": "q", "name": "Q"}).status == 201


# ------------------------------------------------------------------ patch


def test_sending_the_id_back_unchanged_is_fine(rt: CatalogRuntime) -> None:
    item = rt.invoke("POST", "/queues", body={"id": "q1", "name": "Q"}).json()
    reply = rt.invoke("PATCH", "/queues/q1", body={**item, "name": "Queue one"})
    assert reply.status == 200 and reply.json()["id"] == "q1"


@pytest.mark.parametrize("body", [{"name": None}, {"name": ""}, {"colour": "red"},
                                  {"skills": "billing"}])
def test_a_bad_patch_is_validation_failed(rt: CatalogRuntime, body: dict[str, Any]) -> None:
    rt.invoke("POST", "/profiles", body={"id": "p1", "name": "P"})
    assert problem(rt.invoke("PATCH", "/profiles/p1", body=body)) == (422, "validation_failed")


# ------------------------------------------------------------------ groups and profiles
def test_groups_carry_typed_properties_and_existing_profiles(rt: CatalogRuntime) -> None:
    seed(rt)
    reply = rt.invoke("POST", "/groups", body={
        "id": "bergen", "name": "Bergen", "profiles": ["evening"],
        "properties": {"wrapUpSeconds": 30, "ratio": 0.5, "team": "west", "vip": True}})
    assert reply.status == 201
    assert reply.json()["properties"] == {"wrapUpSeconds": 30, "ratio": 0.5, "team": "west",
                                          "vip": True}
    assert rt.invoke("GET", "/groups/bergen").json()["properties"]["vip"] is True


@pytest.mark.parametrize("properties", [
    {"nested": {"a": 1}}, {"list": [1]}, {"none": None}, {"bad name": 1}, {"": 1},
    {"big": 10**20},
])
def test_bad_group_properties_are_validation_failed(rt: CatalogRuntime,
                                                    properties: dict[str, Any]) -> None:
    reply = rt.invoke("POST", "/groups", body={"id": "g", "name": "G", "properties": properties})
    assert problem(reply) == (422, "validation_failed")
    assert len(reply.json()["errors"]) == 1  # one clear entry, not one per allowed type


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_property_numbers_are_validation_failed(rt: CatalogRuntime,
                                                           number: str) -> None:
    # Given a body Python's JSON parser reads as a non-finite float
    raw = '{"id": "g", "name": "G", "properties": {"x": ' + number + "}}"
    reply = rt.invoke("POST", "/groups", raw_body=raw)
    assert problem(reply) == (422, "validation_failed")
    assert reply.json()["errors"][0]["field"] == "properties.x"


@pytest.mark.parametrize("skills", [
    [{"skillId": "billing", "level": 0}], [{"skillId": "billing", "level": 6}],
    [{"skillId": "billing", "level": 2}, {"skillId": "billing", "level": 3}],
    [{"skillId": "billing"}],
])
def test_bad_profile_skills_are_validation_failed(rt: CatalogRuntime,
                                                  skills: list[dict[str, Any]]) -> None:
    seed(rt)
    reply = rt.invoke("POST", "/profiles", body={"id": "p3", "name": "P", "skills": skills})
    assert problem(reply) == (422, "validation_failed")


def test_a_group_with_the_same_profile_twice_is_validation_failed(rt: CatalogRuntime) -> None:
    seed(rt)
    reply = rt.invoke("POST", "/groups", body={"id": "g", "name": "G",
                                               "profiles": ["evening", "evening"]})
    assert problem(reply) == (422, "validation_failed")


def test_an_unused_item_is_deleted(rt: CatalogRuntime) -> None:
    rt.invoke("POST", "/queues", body={"id": "q1", "name": "Q"})
    reply = rt.invoke("DELETE", "/queues/q1")
    assert reply.status == 204 and reply.body == ""
    assert rt.invoke("GET", "/queues/q1").status == 404
    # and the id is free again
    assert rt.invoke("POST", "/queues", body={"id": "q1", "name": "Q"}).status == 201


# ------------------------------------------------------------------ pagination
def test_lists_page_in_id_order_with_a_cursor(rt: CatalogRuntime) -> None:
    ids = [f"q{n:02d}" for n in range(7)]
    for item_id in reversed(ids):
        rt.invoke("POST", "/queues", body={"id": item_id, "name": item_id})
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        body = rt.invoke("GET", "/queues", query=query).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == ids and pages == 3
    # A page that ends the list says so (no cursor to an empty page)
    body = rt.invoke("GET", "/queues", query={"limit": "7"}).json()
    assert len(body["items"]) == 7 and body["nextCursor"] is None
    # Default limit is 50; an empty cursor is the first page
    assert len(rt.invoke("GET", "/queues").json()["items"]) == 7
    assert rt.invoke("GET", "/queues", query={"cursor": "", "limit": "2"}
                     ).json()["items"][0]["id"] == "q00"


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5"])
def test_a_bad_limit_is_validation_failed(rt: CatalogRuntime, limit: str) -> None:
    assert problem(rt.invoke("GET", "/queues", query={"limit": limit})) == (
        422, "validation_failed")


def test_a_tampered_or_foreign_cursor_is_invalid_cursor(rt: CatalogRuntime) -> None:
    for item_id in ("a", "b", "c"):
        rt.invoke("POST", "/queues", body={"id": item_id, "name": item_id})
        rt.invoke("POST", "/skills", body={"id": item_id, "name": item_id})
    cursor = rt.invoke("GET", "/queues", query={"limit": "1"}).json()["nextCursor"]
    tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for bad in (tampered, cursor[:-4], "garbage", "eyJwayI6IkNBVEFMT0cjcXVldWVzIn0"):
        assert problem(rt.invoke("GET", "/queues", query={"cursor": bad})) == (
            400, "invalid_cursor")
    # A queue cursor is no good for skills, nor for the audit feed
    assert problem(rt.invoke("GET", "/skills", query={"cursor": cursor})) == (
        400, "invalid_cursor")
    assert problem(rt.invoke("GET", "/audit", query={"cursor": cursor})) == (
        400, "invalid_cursor")


# ------------------------------------------------------------------ permissions
def test_readers_read_and_only_catalogue_writers_write(rt: CatalogRuntime) -> None:
    seed(rt)
    rt.create_agent("boss", roles=("manager",), password=PASSWORD)
    rt.create_agent("worker", roles=("agent",), password=PASSWORD)
    manager, agent = rt.login("boss", PASSWORD), rt.login("worker", PASSWORD)
    for kind in KINDS:
        # Managers (agents:read) read
        assert rt.invoke("GET", f"/{kind}", token=manager).status == 200
        # but do not write
        assert problem(rt.invoke("POST", f"/{kind}", token=manager,
                                 body={"id": "z", "name": "Z"})) == (403, "forbidden")
        # Agents do neither
        assert rt.invoke("GET", f"/{kind}", token=agent).status == 403
    assert rt.invoke("GET", "/queues/sales", token=manager).status == 200
    assert rt.invoke("PATCH", "/queues/sales", token=manager, body={"name": "S"}).status == 403
    assert rt.invoke("DELETE", "/queues/sales", token=manager).status == 403
    # No token at all
    assert problem(rt.invoke("GET", "/queues", token="")) == (401, "unauthorized")


# ------------------------------------------------------------------ audit of changes
def test_every_catalogue_change_is_audited(rt: CatalogRuntime) -> None:
    # Given a queue created, renamed and deleted
    rt.invoke("POST", "/queues", body={"id": "q1", "name": "Q"})
    rt.invoke("PATCH", "/queues/q1", body={"name": "Queue", "description": "d"})
    rt.invoke("PATCH", "/queues/q1", body={"name": "Queue"})  # no change: no event
    rt.invoke("DELETE", "/queues/q1")
    # Refused changes leave no trace
    rt.invoke("POST", "/groups", body={"id": "g", "name": "G", "profiles": ["ghost"]})
    # Then the feed shows three events, newest first, by the owner, with kind and id
    items = rt.invoke("GET", "/audit", query={"limit": "3"}).json()["items"]
    assert [item["action"] for item in items] == [
        "catalog.deleted", "catalog.updated", "catalog.created"]
    for item in items:
        assert item["actorId"] == rt.owner_id and item["targetId"] is None
        assert item["details"]["kind"] == "queues" and item["details"]["id"] == "q1"
    assert items[1]["details"]["fields"] == ["description", "name"]


# ------------------------------------------------------------------ round trips
@pytest.fixture
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB operations made, in order (the authorizer's included), each
    transaction followed by its actions (``-Put``...)."""
    with aws_calls(name=with_actions) as recorded:
        yield recorded.entries


@pytest.mark.parametrize(("method", "path", "body", "expected"), [
    ("GET", "/queues", None, ["BatchGetItem", "Query"]),
    ("GET", "/queues/sales", None, ["BatchGetItem", "GetItem"]),
    ("POST", "/queues", {"id": "new", "name": "New"}, ["BatchGetItem", "TransactWriteItems"]),
    ("POST", "/groups", {"id": "g", "name": "G", "profiles": ["evening"]},
     ["BatchGetItem", "TransactWriteItems"]),
    ("PATCH", "/groups/oslo", {"profiles": []},
     ["BatchGetItem", "GetItem", "TransactWriteItems"]),
    ("DELETE", "/queues/sales", None,
     ["BatchGetItem", "GetItem", "Query", "TransactWriteItems"]),
    ("DELETE", "/groups/oslo", None,
     ["BatchGetItem", "GetItem", "Query", "TransactWriteItems"]),
    ("GET", "/audit", None, ["BatchGetItem", "Query"]),
])
def test_each_route_makes_the_fewest_round_trips(
    rt: CatalogRuntime, dynamodb_calls: list[str], method: str, path: str,
    body: dict[str, Any] | None, expected: list[str],
) -> None:
    # Given the seeded catalogue / When the route is called once
    seed(rt)
    dynamodb_calls.clear()
    reply = rt.invoke(method, path, body=body)
    # Then it succeeds with exactly these DynamoDB calls
    assert reply.status < 300, reply.body
    assert [call for call in dynamodb_calls if not call.startswith("-")] == expected


TRANSACT_ACTIONS = {"-Put": "PutItem", "-Update": "UpdateItem", "-Delete": "DeleteItem",
                    "-ConditionCheck": "ConditionCheckItem"}


def test_the_function_policy_allows_what_its_routes_do(rt: CatalogRuntime,
                                                       dynamodb_calls: list[str]) -> None:
    # Given every kind of catalogue request, and the audit read
    seed(rt)
    dynamodb_calls.clear()
    for method, path, body in [
        ("GET", "/groups", None), ("GET", "/groups/oslo", None),
        ("PATCH", "/groups/oslo", {"profiles": []}), ("DELETE", "/groups/oslo", None),
        ("POST", "/groups", {"id": "g", "name": "G", "profiles": ["evening"]}),
        ("GET", "/audit", None), ("GET", "/audit", {"agentId": rt.owner_id}),
    ]:
        dynamodb_calls.append("--")
        if method == "GET" and body:
            rt.invoke(method, path, query=body)
        else:
            rt.invoke(method, path, body=body)
    # Then every DynamoDB action the function made (the authorizer's first call aside)
    # is one its policy in template.yaml allows
    used: set[str] = set()
    for request in " ".join(dynamodb_calls).split("--")[1:]:
        calls = request.split()[1:]  # skip the authorizer's read
        used |= {TRANSACT_ACTIONS.get(call, call) for call in calls}
    statements = Template.load().resources["CatalogFunction"]["Properties"]["Policies"][0][
        "Statement"]
    allowed = {action.removeprefix("dynamodb:") for statement in statements
               for action in ([statement["Action"]] if isinstance(statement["Action"], str)
                              else statement["Action"])}
    assert used and used <= allowed, used - allowed


# ------------------------------------------------------------------ races
def test_a_use_that_lands_after_the_in_use_check_stops_the_delete(
    rt: CatalogRuntime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a profile no one uses yet
    seed(rt)
    rt.invoke("PATCH", "/groups/oslo", body={"profiles": []})
    original = CatalogStore.catalog_item_in_use

    def in_use_then_a_group_starts_using_it(self: Any, kind: str, item_id: str) -> bool:
        answer = original(self, kind, item_id)
        # a group that starts using the profile right after the check
        catalog.create_item(Actor(rt.owner_id, frozenset(ALL_PERMISSIONS)), "groups",
                            GroupCreate(id="late", name="Late", profiles=[item_id]))
        return answer

    monkeypatch.setattr(CatalogStore, "catalog_item_in_use", in_use_then_a_group_starts_using_it)
    # When the profile is deleted / Then the delete fails rather than orphan the group
    assert problem(rt.invoke("DELETE", "/profiles/evening")) == (409, "concurrent_change")
    monkeypatch.undo()
    assert rt.invoke("GET", "/profiles/evening").status == 200
    assert problem(rt.invoke("DELETE", "/profiles/evening")) == (409, "in_use")


def test_a_patch_that_lost_a_race_is_concurrent_change(
    rt: CatalogRuntime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a queue that someone renames between our read and our write
    rt.invoke("POST", "/queues", body={"id": "q1", "name": "Q"})
    original = CatalogStore.read_catalog_item

    def read_then_someone_else_writes(self: Any, kind: str, item_id: str) -> Any:
        found = original(self, kind, item_id)
        monkeypatch.setattr(CatalogStore, "read_catalog_item", original)
        catalog.update_item(Actor(rt.owner_id, frozenset(ALL_PERMISSIONS)), kind, item_id,
                            QueuePatch(name="Theirs"))
        return found

    monkeypatch.setattr(CatalogStore, "read_catalog_item", read_then_someone_else_writes)
    # When we rename it / Then 409 concurrent_change and their name stands
    assert problem(rt.invoke("PATCH", "/queues/q1", body={"name": "Ours"})) == (
        409, "concurrent_change")
    assert rt.invoke("GET", "/queues/q1").json()["name"] == "Theirs"


def test_a_group_swaps_its_full_list_of_profiles_in_one_change(rt: CatalogRuntime) -> None:
    # Given 64 profiles and a group using the first 32 (the most a group may list)
    profiles = [f"p{n:02d}" for n in range(2 * MAX_REFERENCES)]
    for profile in profiles:
        assert rt.invoke("POST", "/profiles", body={"id": profile, "name": profile}).status == 201
    first, second = profiles[:MAX_REFERENCES], profiles[MAX_REFERENCES:]
    assert rt.invoke("POST", "/groups", body={"id": "g", "name": "G",
                                              "profiles": first}).status == 201
    # When it swaps them all for the other 32 / Then one change does it
    reply = rt.invoke("PATCH", "/groups/g", body={"profiles": second})
    assert reply.status == 200 and reply.json()["profiles"] == second
    assert rt.invoke("DELETE", f"/profiles/{first[0]}").status == 204
    assert problem(rt.invoke("DELETE", f"/profiles/{second[0]}")) == (409, "in_use")
    # And one more than the limit is refused
    reply = rt.invoke("PATCH", "/groups/g", body={"profiles": profiles[1:MAX_REFERENCES + 2]})
    assert problem(reply) == (422, "validation_failed")


def test_a_skill_is_renamed_and_deleted_once_no_profile_uses_it(rt: CatalogRuntime) -> None:
    # Given a skill a profile uses
    seed(rt)
    # When it is renamed, the new name reads back with the next revision
    renamed = rt.invoke("PATCH", "/skills/billing", body={"name": "Invoicing"})
    assert renamed.status == 200 and renamed.json()["name"] == "Invoicing"
    assert rt.invoke("GET", "/skills/billing").json()["name"] == "Invoicing"
    # Then deleting it while the profile uses it is 409 in_use
    assert problem(rt.invoke("DELETE", "/skills/billing")) == (409, "in_use")
    # And once the profile lets it go, it is deleted and gone
    assert rt.invoke("PATCH", "/profiles/evening", body={"skills": []}).status == 200
    assert rt.invoke("DELETE", "/skills/billing").status == 204
    assert problem(rt.invoke("GET", "/skills/billing")) == (404, "not_found")
