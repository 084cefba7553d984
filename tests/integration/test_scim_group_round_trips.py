"""The DynamoDB round trips of SCIM's Group writes through the emulated ScimApi (its
authorizer's one read included; the token used before, so no ``lastUsedAt`` write):
each item read once, the answer's members not read again after the change
(infra/bench/scenarios.py holds the same floors)."""

from __future__ import annotations

from typing import Any

from roster.models.scim import GROUP_SCHEMA, USER_SCHEMA
from roster.scim_api import SCIM_CONTENT_TYPE
from roster_local.runtime import Runtime
from support.api import Caller
from support.aws_calls import aws_calls
from support.scim import PATCH

AUTHORIZER = "BatchGetItem"  # the token by its digest


def call(client: Caller, method: str, path: str, body: Any = None) -> Any:
    response = client.call(method, f"/scim/v2{path}", body, headers={
        "Content-Type": SCIM_CONTENT_TYPE, "Host": "127.0.0.1:3000"})
    assert response.status < 300, response.body[:300]
    return response.json() if response.body else None


def trips(client: Caller, method: str, path: str, body: Any = None) -> tuple[list[str], Any]:
    """The calls one request makes (a transaction's size left out) and its answer."""
    with aws_calls() as recorded:
        answer = call(client, method, path, body)
    return [entry.split(":")[0] for entry in recorded.entries], answer


def user(client: Caller, account: str) -> str:
    return str(call(client, "POST", "/Users", {
        "schemas": [USER_SCHEMA], "userName": account,
        "emails": [{"primary": True, "type": "work", "value": f"{account}@example.com"}],
        "name": {"givenName": "A", "familyName": "B"}})["id"])


def group(client: Caller, name: str, *members: str) -> str:
    return str(call(client, "POST", "/Groups", {
        "schemas": [GROUP_SCHEMA], "displayName": name,
        "members": [{"value": member} for member in members]})["id"])


def member_ids(answer: dict[str, Any]) -> list[str]:
    return [member["value"] for member in answer.get("members") or []]


def test_patch_reads_the_queue_its_members_and_the_agent_once(runtime: Runtime,
                                                               scim: Caller) -> None:
    # Given a queue with one member, and another agent
    bob, amy = user(scim, "bob"), user(scim, "amy")
    queue = group(scim, "Sales", bob)
    # When Entra adds amy: the queue, its members, amy, her references, one write
    made, answer = trips(scim, "PATCH", f"/Groups/{queue}", {"schemas": [PATCH], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": amy}]}]})
    assert made == [AUTHORIZER, "GetItem", "Query", "BatchGetItem", "GetItem",
                    "BatchGetItem", "TransactWriteItems"]
    # Then the answer, not read again, is what a read finds (in account order)
    assert member_ids(answer) == [amy, bob] == member_ids(call(scim, "GET", f"/Groups/{queue}"))
    # And removing a member listed with the queue does not read that agent again
    made, answer = trips(scim, "PATCH", f"/Groups/{queue}", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": f'members[value eq "{bob}"]'}]})
    assert made == [AUTHORIZER, "GetItem", "Query", "BatchGetItem", "TransactWriteItems"]
    assert member_ids(answer) == [amy] == member_ids(call(scim, "GET", f"/Groups/{queue}"))


def test_put_renames_at_the_revision_read(runtime: Runtime, scim: Caller) -> None:
    queue = group(scim, "Support")
    made, answer = trips(scim, "PUT", f"/Groups/{queue}", {"schemas": [GROUP_SCHEMA],
                                                           "displayName": "Help Desk"})
    assert made == [AUTHORIZER, "GetItem", "TransactWriteItems", "Query"]
    assert answer == call(scim, "GET", f"/Groups/{queue}")
    assert answer["displayName"] == "Help Desk" and "members" not in answer


def test_delete_reads_the_queue_and_each_member_once(runtime: Runtime, scim: Caller) -> None:
    # Without members: the queue, its members, the catalogue's in-use check, the delete
    made, _ = trips(scim, "DELETE", f"/Groups/{group(scim, 'Empty')}")
    assert made == [AUTHORIZER, "GetItem", "Query", "Query", "TransactWriteItems"]
    # With one: its membership removed as listed (no read of its own), then the delete
    queue = group(scim, "Nights", user(scim, "joe"))
    made, _ = trips(scim, "DELETE", f"/Groups/{queue}")
    assert made == [AUTHORIZER, "GetItem", "Query", "BatchGetItem", "TransactWriteItems",
                    "Query", "TransactWriteItems"]
    assert scim.call("GET", f"/scim/v2/Groups/{queue}").status == 404
