"""The request sequences Microsoft Entra ID and Okta send, as their public documentation
shows them (Entra: "Develop and plan provisioning for a SCIM endpoint", its request and
response examples; Okta: "SCIM 2.0 protocol: test your integration" / the Okta SCIM 2.0
spec), through the emulated ScimApi with a real provisioning token. Values are Roster's
(an account for ``userName``: docs/scim.md says how each client is mapped to give one)."""

from __future__ import annotations

from typing import Any

from roster.models.scim import GROUP_SCHEMA, USER_SCHEMA
from support.api import Caller
from support.scim import PATCH, call, error_of

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def operations(*ops: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(ops)}


def test_entra_user_provisioning_sequence(scim: Caller) -> None:
    # The probe before every create: is userName taken?
    probe = call(scim, "GET", "/Users", query={"filter": 'userName eq "ryan3"'})
    assert probe.status == 200
    assert probe.json()["schemas"] == [LIST] and probe.json()["totalResults"] == 0
    assert not probe.json().get("Resources")
    # Create User (Entra sends the enterprise extension too: ignored)
    created = call(scim, "POST", "/Users", {
        "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", "userName": "ryan3",
        "active": True, "displayName": "Ryan Leenay",
        "emails": [{"primary": True, "type": "work", "value": "ryan@example.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ryan Leenay", "familyName": "Leenay", "givenName": "Ryan"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Support"}})
    assert created.status == 201, created.body
    user = created.json()
    assert (user["userName"], user["active"], user["name"]["givenName"]) == (
        "ryan3", True, "Ryan")
    # Get User, and by query (Entra's matching on externalId-less re-syncs)
    assert call(scim, "GET", f"/Users/{user['id']}").json()["id"] == user["id"]
    found = call(scim, "GET", "/Users", query={"filter": 'userName eq "ryan3"'}).json()
    assert [u["id"] for u in found["Resources"]] == [user["id"]]
    # Update User [multi-valued and single-valued], Entra's capitalised ops
    updated = call(scim, "PATCH", f"/Users/{user['id']}", operations(
        {"op": "Replace", "path": 'emails[type eq "work"].value',
         "value": "ryan.leenay@example.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Leenay-Smith"},
        {"op": "Add", "path": "title", "value": "Team lead"}))
    assert updated.status == 200, updated.body
    body = updated.json()
    assert (body["name"]["familyName"], body["title"]) == ("Leenay-Smith", "Team lead")
    # the new address waits for verification: the verified one is still shown
    assert [e["value"] for e in body["emails"]] == ["ryan@example.com"]
    # Disable User on unassignment: a string boolean, as Entra sends it
    disabled = call(scim, "PATCH", f"/Users/{user['id']}", operations(
        {"op": "Replace", "path": "active", "value": "False"}))
    assert disabled.status == 200 and disabled.json()["active"] is False
    # Delete User later
    assert call(scim, "DELETE", f"/Users/{user['id']}").status == 204
    error_of(call(scim, "GET", f"/Users/{user['id']}"), 404)


def test_entra_group_provisioning_sequence(scim: Caller) -> None:
    member = call(scim, "POST", "/Users", {
        "schemas": [USER_SCHEMA], "userName": "member1", "active": True,
        "emails": [{"primary": True, "type": "work", "value": "member1@example.com"}],
        "name": {"givenName": "Mem", "familyName": "Ber"}}).json()
    # Get Group by displayName (the probe), then Create Group
    probe = call(scim, "GET", "/Groups", query={
        "filter": 'displayName eq "Group1DisplayName"', "excludedAttributes": "members"})
    assert probe.status == 200 and probe.json()["totalResults"] == 0
    created = call(scim, "POST", "/Groups", {
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "id": "c4a8e4f0",
        "displayName": "Group1DisplayName", "meta": {"resourceType": "Group"},
        "members": [], "schemas": [GROUP_SCHEMA]})
    assert created.status == 201, created.body
    group = created.json()
    # Update Group [non-member attributes]
    renamed = call(scim, "PATCH", f"/Groups/{group['id']}", operations(
        {"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a2694"}))
    assert renamed.status in (200, 204), renamed.body
    # Update Group [add members], then [remove members] by value filter
    added = call(scim, "PATCH", f"/Groups/{group['id']}", operations(
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": member["id"]}]}))
    assert added.status in (200, 204), added.body
    got = call(scim, "GET", f"/Groups/{group['id']}").json()
    assert [m["value"] for m in got["members"]] == [member["id"]]
    removed = call(scim, "PATCH", f"/Groups/{group['id']}", operations(
        {"op": "Remove", "path": f'members[value eq "{member["id"]}"]'}))
    assert removed.status in (200, 204), removed.body
    assert not call(scim, "GET", f"/Groups/{group['id']}").json().get("members")
    # Delete Group
    assert call(scim, "DELETE", f"/Groups/{group['id']}").status == 204


def test_okta_user_and_group_sequence(scim: Caller) -> None:
    # Okta's existence check, with its paging parameters
    probe = call(scim, "GET", "/Users", query={
        "filter": 'userName eq "isaac.brock"', "startIndex": "1", "count": "100"})
    assert probe.status == 200 and probe.json()["totalResults"] == 0
    created = call(scim, "POST", "/Users", {
        "schemas": [USER_SCHEMA], "userName": "isaac.brock",
        "name": {"givenName": "Isaac", "familyName": "Brock"},
        "emails": [{"primary": True, "value": "isaac.brock@example.com", "type": "work"}],
        "displayName": "Isaac Brock", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [], "password": "1mz050nq-Strong-Passw0rd", "active": True})
    assert created.status == 201, created.body
    user = created.json()
    assert "password" not in user
    # Profile push: a full PUT
    put = call(scim, "PUT", f"/Users/{user['id']}", {
        "schemas": [USER_SCHEMA], "id": user["id"], "userName": "isaac.brock",
        "name": {"givenName": "Isaac", "familyName": "Brock-Smith"},
        "emails": [{"primary": True, "value": "isaac.brock@example.com", "type": "work"}],
        "displayName": "Isaac Brock", "active": True, "title": "Agent"})
    assert put.status == 200 and put.json()["name"]["familyName"] == "Brock-Smith"
    # Deactivation: Okta's PATCH without a path
    off = call(scim, "PATCH", f"/Users/{user['id']}", operations(
        {"op": "replace", "value": {"active": False}}))
    assert off.status == 200 and off.json()["active"] is False
    on = call(scim, "PATCH", f"/Users/{user['id']}", operations(
        {"op": "replace", "value": {"active": True}}))
    assert on.status == 200 and on.json()["active"] is True
    # Group push: create, add a member, rename, remove the member, delete
    group = call(scim, "POST", "/Groups", {"schemas": [GROUP_SCHEMA],
                                           "displayName": "Test SCIMv2", "members": []})
    assert group.status == 201, group.body
    group_id = group.json()["id"]
    added = call(scim, "PATCH", f"/Groups/{group_id}", operations(
        {"op": "add", "path": "members",
         "value": [{"value": user["id"], "display": "isaac.brock@example.com"}]}))
    assert added.status in (200, 204), added.body
    renamed = call(scim, "PATCH", f"/Groups/{group_id}", operations(
        {"op": "replace", "value": {"id": group_id, "displayName": "Test SCIMv2 renamed"}}))
    assert renamed.status in (200, 204), renamed.body
    assert call(scim, "GET", f"/Groups/{group_id}").json()["displayName"] == (
        "Test SCIMv2 renamed")
    removed = call(scim, "PATCH", f"/Groups/{group_id}", operations(
        {"op": "remove", "path": f'members[value eq "{user["id"]}"]'}))
    assert removed.status in (200, 204), removed.body
    assert call(scim, "DELETE", f"/Groups/{group_id}").status == 204
