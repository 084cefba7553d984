"""SCIM Users, Groups and discovery through the emulated ScimApi (its authorizer with
a real provisioning token, the scim function's handlers over moto): status codes,
headers and bodies as identity providers see them."""

from __future__ import annotations

from typing import Any

from roster.models.scim import GROUP_SCHEMA, ROSTER_USER_SCHEMA, USER_SCHEMA
from roster.scim_api import SCIM_CONTENT_TYPE
from support.api import AGENT_PASSWORD, Caller, new_agent, signed_in
from support.scim import PATCH, call, error_of


def entra_user(account: str) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "externalId": f"{account}-oid", "userName": account,
            "active": True, "displayName": account.title(),
            "emails": [{"primary": True, "type": "work", "value": f"{account}@example.com"}],
            "name": {"givenName": account.title(), "familyName": "Doe"}}


def test_entra_user_lifecycle(scim: Caller) -> None:
    rt = scim
    probe = call(rt, "GET", "/Users", query={"filter": 'userName eq "jdoe"'})
    assert probe.status == 200 and probe.json()["totalResults"] == 0
    assert probe.header("Content-Type") == SCIM_CONTENT_TYPE
    created = call(rt, "POST", "/Users", entra_user("jdoe"))
    assert created.status == 201, created.body
    user = created.json()
    assert created.header("ETag") == 'W/"1"' == user["meta"]["version"]
    location = f"http://127.0.0.1:3000/scim/v2/Users/{user['id']}"
    assert created.header("Location") == location == user["meta"]["location"]
    assert user[ROSTER_USER_SCHEMA]["passwordStatus"] == "none"
    assert error_of(call(rt, "POST", "/Users", entra_user("jdoe")), 409) == "uniqueness"
    found = call(rt, "GET", "/Users", query={"filter": 'externalId eq "jdoe-oid"'})
    assert [u["id"] for u in found.json()["Resources"]] == [user["id"]]
    patched = call(rt, "PATCH", f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]}, headers={"If-Match": 'W/"1"'})
    assert patched.status == 200 and patched.json()["active"] is False
    assert patched.header("ETag") == 'W/"2"'
    stale = call(rt, "PATCH", f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "title", "value": "x"}]}, headers={"If-Match": '"1"'})
    assert error_of(stale, 412) is None
    selected = call(rt, "GET", f"/Users/{user['id']}", query={"attributes": "userName"})
    assert selected.json() == {"schemas": [USER_SCHEMA], "id": user["id"],
                               "userName": "jdoe"}
    assert call(rt, "DELETE", f"/Users/{user['id']}").status == 204
    assert error_of(call(rt, "GET", f"/Users/{user['id']}"), 404) is None


def test_okta_put_and_errors(scim: Caller) -> None:
    rt = scim
    user = call(rt, "POST", "/Users", entra_user("amy")).json()
    replaced = call(rt, "PUT", f"/Users/{user['id']}", {**entra_user("amy"), "title": "Lead"})
    assert replaced.status == 200 and replaced.json()["title"] == "Lead"
    assert error_of(call(rt, "GET", "/Users", query={"filter": "userName eq"}),
                    400) == "invalidFilter"
    assert error_of(call(rt, "POST", "/Users", {**entra_user("bad@name")}), 400) \
        == "invalidValue"
    assert error_of(call(rt, "PUT", f"/Users/{user['id']}", entra_user("other")), 400) \
        == "mutability"
    assert error_of(call(rt, "POST", "/Users", "not json"), 400) in ("invalidSyntax",
                                                                     "invalidValue")


def test_a_token_cannot_touch_an_admin(scim: Caller, admin: Caller) -> None:
    boss = new_agent(admin, "boss", roles=["admin"])
    refused = call(scim, "PATCH", f"/Users/{boss['id']}", {"schemas": [PATCH],
                   "Operations": [{"op": "replace", "path": "active", "value": False}]})
    error_of(refused, 403)
    error_of(call(scim, "DELETE", f"/Users/{boss['id']}"), 403)


def test_groups_lifecycle(scim: Caller) -> None:
    rt = scim
    jane = call(rt, "POST", "/Users", entra_user("jdoe")).json()
    created = call(rt, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sales EU",
                                           "members": [{"value": jane["id"]}]})
    assert created.status == 201, created.body
    assert created.json()["id"] == "sales-eu"
    assert created.header("Location") == "http://127.0.0.1:3000/scim/v2/Groups/sales-eu"
    listed = call(rt, "GET", "/Groups", query={"filter": 'displayName eq "Sales EU"',
                                               "excludedAttributes": "members"})
    assert [g["id"] for g in listed.json()["Resources"]] == ["sales-eu"]
    removed = call(rt, "PATCH", "/Groups/sales-eu", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": f'members[value eq "{jane["id"]}"]'}]})
    assert removed.status == 200 and "members" not in removed.json()
    renamed = call(rt, "PUT", "/Groups/sales-eu", {"schemas": [GROUP_SCHEMA],
                                                   "displayName": "Sales Europe",
                                                   "members": [{"value": jane["id"]}]})
    assert renamed.json()["displayName"] == "Sales Europe"
    assert call(rt, "GET", "/Groups/sales-eu").json()["members"][0]["value"] == jane["id"]
    assert call(rt, "DELETE", "/Groups/sales-eu").status == 204
    assert "queues" not in call(rt, "GET", f"/Users/{jane['id']}").json()[ROSTER_USER_SCHEMA]
    error_of(call(rt, "GET", "/Groups/sales-eu"), 404)


def test_discovery(scim: Caller) -> None:
    rt = scim
    kinds = call(rt, "GET", "/ResourceTypes").json()
    assert {kind["id"] for kind in kinds["Resources"]} == {"User", "Group"}
    assert call(rt, "GET", "/ResourceTypes/User").json()["endpoint"] == "/Users"
    schemas = call(rt, "GET", "/Schemas").json()
    user = next(s for s in schemas["Resources"] if s["id"] == USER_SCHEMA)
    assert "nickName" not in {a["name"] for a in user["attributes"]}
    assert call(rt, "GET", f"/Schemas/{ROSTER_USER_SCHEMA}").json()["name"] == "RosterUser"
    error_of(call(rt, "GET", "/Schemas/urn:nothing"), 404)


def test_deactivation_ends_sessions_and_is_audited_as_the_token(scim: Caller,
                                                                 admin: Caller) -> None:
    jane = new_agent(admin, "jdoe")
    session = signed_in(scim.runtime, "jdoe", AGENT_PASSWORD)
    assert session.call("GET", "/me").status == 200
    patched = call(scim, "PATCH", f"/Users/{jane['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"}]})
    assert patched.status == 200
    assert session.call("GET", "/me").status == 401  # at once, not at the token's expiry
    audit = admin.call("GET", "/audit", query={"agentId": jane["id"]}).json()["items"]
    actors = {entry["actorId"] for entry in audit if entry["action"] == "agent.updated"}
    assert len(actors) == 1 and actors.pop().startswith("provisioning:")
