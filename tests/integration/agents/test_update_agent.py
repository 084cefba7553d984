"""PATCH /agents/{id} and PATCH /me: versions, immutable fields, owner protection,
admin grants, deactivation, references and the prefix search following changes."""

from __future__ import annotations

from typing import Any

import pytest
from support.agents import AGENT_PASSWORD
from support.api import Caller, new_agent, signed_in
from support.catalog import catalog


def _owner_id(admin: Caller) -> str:
    return str(admin.call("GET", "/me").json()["id"])


def test_patch_changes_fields_and_version(admin: Caller) -> None:
    # Given an agent at version 1
    catalog("queues", "sales")
    agent = new_agent(admin, "jdoe")
    # When the admin changes some fields with a matching If-Match
    response = admin.call("PATCH", f"/agents/{agent['id']}",
                          {"alias": "Janie", "queues": ["sales"], "phone": "0047 98765432",
                           "maxConcurrentChats": {"live": 1, "nrt": 2}, "numericId": 5},
                          headers={"If-Match": '"1"'})
    # Then they are stored (phone normalised), the version moves on and the ETag with it
    assert response.status == 200, response.json()
    changed = response.json()
    assert changed["alias"] == "Janie" and changed["queues"] == ["sales"]
    assert changed["phone"] == "+4798765432" and changed["numericId"] == 5
    assert changed["version"] == 2 and response.header("ETag") == '"2"'
    assert changed["updatedAt"] >= agent["updatedAt"]
    # And the listings follow: queue, alias search, numeric ids
    assert [a["account"] for a in admin.call("GET", "/agents", query={"queue": "sales"})
            .json()["items"]] == ["jdoe"]
    assert [a["account"] for a in admin.call("GET", "/agents", query={"q": "janie"})
            .json()["items"]] == ["jdoe"]
    assert admin.call("GET", "/agents/numeric-ids").json() == {"numericIds": [5]}
    # And clearing works with null; the old alias no longer finds it
    cleared = admin.call("PATCH", f"/agents/{agent['id']}",
                         {"phone": None, "numericId": None, "alias": "Jay"})
    assert cleared.json()["phone"] is None
    assert admin.call("GET", "/agents/numeric-ids").json() == {"numericIds": []}
    assert admin.call("GET", "/agents", query={"q": "janie"}).json()["items"] == []


@pytest.mark.parametrize("field", ["account", "id", "isOwner", "twoFactorEnabled", "locked",
                                   "passwordStatus", "queueStatus", "lastLoginAt",
                                   "createdAt", "updatedAt", "version", "pendingEmail"])
def test_immutable_fields(admin: Caller, field: str) -> None:
    agent = new_agent(admin, "jdoe")
    response = admin.call("PATCH", f"/agents/{agent['id']}", {field: "x", "title": "t"})
    assert response.status == 422
    assert response.json()["code"] == "immutable_field"
    assert response.json()["errors"] == [{"field": field, "message": "cannot be changed"}]
    assert admin.call("GET", f"/agents/{agent['id']}").json()["title"] == ""


def test_read_only_fields_sent_back_unchanged_are_ignored(admin: Caller) -> None:
    """API.md "Consistency (v2)": the GET → edit → PATCH loop works: read-only fields
    equal to the agent's are ignored (derived ones, such as the presigned ``photoUrl``,
    are never compared); a different value is still ``422 immutable_field``."""
    agent = new_agent(admin, "jdoe")
    fetched = admin.call("GET", f"/agents/{agent['id']}").json()
    edited = {**fetched, "title": "Team lead"}
    answer = admin.call("PATCH", f"/agents/{agent['id']}", edited)
    assert answer.status == 200, answer.json()
    assert answer.json()["title"] == "Team lead"
    stale = admin.call("PATCH", f"/agents/{agent['id']}", {**fetched, "title": "x"})
    assert stale.status == 422 and "version" in {e["field"] for e in stale.json()["errors"]}


@pytest.mark.parametrize(("body", "field"), [
    ({"firstName": None}, "body"), ({"roles": []}, "roles"), ({"phone": "123"}, "phone"),
    ({"unknown": 1}, "unknown"), ({"bio": "b" * 1001}, "bio"),
])
def test_invalid_patch_is_422(admin: Caller, body: dict[str, Any], field: str) -> None:
    agent = new_agent(admin, "jdoe")
    response = admin.call("PATCH", f"/agents/{agent['id']}", body)
    assert response.status == 422
    assert response.json()["code"] == "validation_failed"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_only_admin_grants_or_removes_admin(admin: Caller) -> None:
    # Given a manager, an agent and a second admin
    new_agent(admin, "boss", roles=["manager"])
    manager = signed_in(admin.runtime, "boss", AGENT_PASSWORD)
    worker = new_agent(admin, "worker")
    other_admin = new_agent(admin, "root2", roles=["admin"])
    # When the manager grants or removes admin, it is forbidden
    for target, roles in ((worker, ["admin"]), (other_admin, ["agent"])):
        response = manager.call("PATCH", f"/agents/{target['id']}", {"roles": roles})
        assert response.status == 403
        assert response.json()["code"] == "forbidden"
    # But it may change other roles, and an admin may grant admin
    assert manager.call("PATCH", f"/agents/{worker['id']}",
                        {"roles": ["agent", "agent_test"]}).status == 200
    assert admin.call("PATCH", f"/agents/{worker['id']}", {"roles": ["admin"]}).status == 200


@pytest.mark.parametrize("body", [{"email": "mallory@example.com"},
                                  {"mobilePhone": "+4798765432"}, {"active": False},
                                  {"ipAllowlist": ["203.0.113.0/24"]}, {"title": "x"}])
def test_only_an_admin_changes_an_admin(admin: Caller, body: dict[str, Any]) -> None:
    # Given a manager (agents:write) and another admin
    new_agent(admin, "boss", roles=["manager"])
    manager = signed_in(admin.runtime, "boss", AGENT_PASSWORD)
    other_admin = new_agent(admin, "root2", roles=["admin"])
    # When the manager changes the admin (an email or phone of its own choosing would
    # receive the admin's recovery codes), it is forbidden and nothing changes
    response = manager.call("PATCH", f"/agents/{other_admin['id']}", body)
    assert (response.status, response.json()["code"]) == (403, "forbidden")
    after = admin.call("GET", f"/agents/{other_admin['id']}").json()
    assert after["version"] == other_admin["version"] and after["pendingEmail"] is None
    # But an admin may, and the manager may still change a non-admin agent
    assert admin.call("PATCH", f"/agents/{other_admin['id']}", body).status == 200
    worker = new_agent(admin, "worker")
    assert manager.call("PATCH", f"/agents/{worker['id']}", body).status == 200


def test_deactivation_revokes_every_session(admin: Caller) -> None:
    # Given an agent signed in twice
    agent = new_agent(admin, "jdoe")
    first = signed_in(admin.runtime, "jdoe", AGENT_PASSWORD)
    second = signed_in(admin.runtime, "jdoe@example.com", AGENT_PASSWORD)
    assert first.call("GET", "/me").status == 200
    # When the admin deactivates it
    response = admin.call("PATCH", f"/agents/{agent['id']}", {"active": False})
    assert response.json()["active"] is False
    # Then both sessions stop working at once, and it cannot sign in
    assert first.call("GET", "/me").status == 401
    assert second.call("GET", "/me").status == 401
    login = admin.runtime.invoke("POST", "/auth/login",
                                 body={"login": "jdoe", "password": AGENT_PASSWORD})
    assert login.json()["code"] == "account_inactive"
    # And the listings see it as inactive; reactivating lets it sign in again
    assert [a["account"] for a in admin.call("GET", "/agents", query={"active": "false"})
            .json()["items"]] == ["jdoe"]
    admin.call("PATCH", f"/agents/{agent['id']}", {"active": True})
    assert signed_in(admin.runtime, "jdoe", AGENT_PASSWORD).call("GET", "/me").status == 200
    assert first.call("GET", "/me").status == 401


def test_patch_me(admin: Caller) -> None:
    # Given a signed-in agent
    new_agent(admin, "self")
    me = signed_in(admin.runtime, "self", AGENT_PASSWORD)
    # When it edits its own profile
    response = me.call("PATCH", "/me", {"alias": "Selfie", "mobilePhone": "+4798765432",
                                        "language": "nb", "timeFormat": "12h",
                                        "title": "T", "bio": "B", "showPhoto": False,
                                        "currentPassword": AGENT_PASSWORD})
    # Then the changes apply
    assert response.status == 200
    assert response.json()["alias"] == "Selfie" and response.json()["version"] == 2
    assert response.header("ETag") == '"2"'


@pytest.mark.parametrize("body", [{"roles": ["admin"]}, {"active": False},
                                  {"account": "x"}, {"firstName": "X"}, {"queues": []}])
def test_patch_me_refuses_other_fields(admin: Caller, body: dict[str, Any]) -> None:
    new_agent(admin, "self")
    me = signed_in(admin.runtime, "self", AGENT_PASSWORD)
    response = me.call("PATCH", "/me", body)
    assert response.status == 422
    assert response.json()["code"] == "validation_failed"


def test_concurrent_patches_with_one_version_one_wins(admin: Caller,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Given ten admins patching the same version at once (each AWS call atomic, as in
    # DynamoDB; moto itself is not thread-safe)
    import threading

    from roster.authorization import Actor
    from roster.errors import VersionConflict
    from roster.models.agents_api import UpdateAgentRequest
    from roster.permissions import ALL_PERMISSIONS
    from roster.services import agents
    from support.concurrency import atomic_aws

    atomic_aws(monkeypatch)
    agent = new_agent(admin, "jdoe")
    owner = _owner_id(admin)
    outcomes: list[str] = []
    barrier = threading.Barrier(10)

    def patch(index: int) -> None:
        request = UpdateAgentRequest.model_validate({"title": f"t{index}"})
        barrier.wait()
        try:
            agents.update_agent(Actor(owner, frozenset(ALL_PERMISSIONS)), agent["id"],
                                request, '"1"')
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("412")
        except Exception as error:
            outcomes.append(repr(error))

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then exactly one change is made and the others are told the version is stale
    assert sorted(outcomes) == ["412"] * 9 + ["ok"]
    assert admin.call("GET", f"/agents/{agent['id']}").json()["version"] == 2


def test_concurrent_email_changes_without_if_match_are_never_412(
        admin: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    """API.md: ``412 version_conflict`` answers a stale ``If-Match`` only. Email changes
    racing without one: one wins, the others ``409 concurrent_change`` (retry); red team:
    they were 412."""
    from roster.authorization import Actor
    from roster.errors import RosterError
    from roster.models.agents_api import UpdateAgentRequest
    from roster.permissions import ALL_PERMISSIONS
    from roster.services import agents
    from support.concurrency import atomic_aws, race

    atomic_aws(monkeypatch)
    agent = new_agent(admin, "jdoe")
    actor = Actor(_owner_id(admin), frozenset(ALL_PERMISSIONS))
    outcomes = race(lambda n: agents.update_agent(
        actor, agent["id"], UpdateAgentRequest.model_validate({"email": f"n{n}@example.com"}),
        None), range(4))
    codes = [(o.status, o.code) for o in outcomes if isinstance(o, RosterError)]
    assert len(codes) < 4 and set(codes) <= {(409, "concurrent_change")}, codes
