"""PUT /agents/{id}/group, PUT /me/queue-status, PUT /agents/{id}/queue-status and the
photo routes."""

from __future__ import annotations

import base64
import json

import pytest
from support.agents import AGENT_PASSWORD
from support.api import Caller, new_agent, signed_in
from support.audit import audit_events
from support.catalog import catalog


def test_group_move_keeps_own_properties(admin: Caller) -> None:
    # Given an agent with its own wrap-up time in a group with defaults
    catalog("groups", "oslo", properties={"wrapUpSeconds": 30, "maxLiveChats": 3})
    catalog("groups", "bergen", properties={"wrapUpSeconds": 90, "maxLiveChats": 5})
    agent = new_agent(admin, "jdoe", groupId="oslo", properties={"wrapUpSeconds": 60})
    assert agent["effectiveProperties"] == {"wrapUpSeconds": 60, "maxLiveChats": 3}
    # When it moves to another group
    response = admin.call("PUT", f"/agents/{agent['id']}/group", {"groupId": "bergen"})
    # Then its own value stays and the new group's fill the rest
    assert response.status == 200
    moved = response.json()
    assert moved["groupId"] == "bergen" and moved["properties"] == {"wrapUpSeconds": 60}
    assert moved["effectiveProperties"] == {"wrapUpSeconds": 60, "maxLiveChats": 5}
    assert response.header("ETag") == '"2"'
    # And the group listings follow
    assert admin.call("GET", "/agents", query={"groupId": "oslo"}).json()["items"] == []
    assert [a["account"] for a in admin.call("GET", "/agents", query={"groupId": "bergen"})
            .json()["items"]] == ["jdoe"]
    # And leaving every group is null
    alone = admin.call("PUT", f"/agents/{agent['id']}/group", {"groupId": None}).json()
    assert alone["groupId"] is None and alone["effectiveProperties"] == {"wrapUpSeconds": 60}


def _policy(fields: dict[str, str]) -> dict[str, object]:
    return dict(json.loads(base64.b64decode(fields["policy"])))


@pytest.mark.parametrize("path", ["/agents/{id}/photo", "/me/photo"])
def test_photo_upload_and_delete(admin: Caller, path: str) -> None:
    # Given an agent
    agent = new_agent(admin, "jdoe")
    caller = admin if path.startswith("/agents") else signed_in(admin.runtime, "jdoe",
                                                               AGENT_PASSWORD)
    url = path.format(id=agent["id"])
    # When a PNG upload is asked for
    response = caller.call("POST", url, {"contentType": "image/png", "contentLength": 5000})
    # Then a presigned POST comes back whose policy pins the type, size and key
    assert response.status == 200, response.json()
    upload = response.json()
    assert upload["method"] == "POST" and upload["expiresIn"] > 0
    fields = upload["fields"]
    assert fields["key"].startswith(f"photos/{agent['id']}/")
    assert fields["Content-Type"] == "image/png"
    conditions = _policy(fields)["conditions"]
    assert ["content-length-range", 1, 5000] in conditions  # type: ignore[operator]
    assert {"Content-Type": "image/png"} in conditions  # type: ignore[operator]
    # And the agent now has a short-lived photo URL for that key
    photo_url = admin.call("GET", f"/agents/{agent['id']}").json()["photoUrl"]
    assert fields["key"] in photo_url
    assert "Signature=" in photo_url and "Expires=" in photo_url
    # When the photo is deleted, the URL goes
    assert caller.call("DELETE", url).status == 204
    assert admin.call("GET", f"/agents/{agent['id']}").json()["photoUrl"] is None
    assert caller.call("DELETE", url).status == 204


@pytest.mark.parametrize("body", [
    {"contentType": "image/gif", "contentLength": 10},
    {"contentType": "image/png", "contentLength": 2 * 1024 * 1024 + 1},
    {"contentType": "image/png", "contentLength": 0},
    {"contentType": "image/png"},
])
def test_photo_limits(admin: Caller, body: dict[str, object]) -> None:
    agent = new_agent(admin, "jdoe")
    response = admin.call("POST", f"/agents/{agent['id']}/photo", body)
    assert response.status == 422
    assert response.json()["code"] == "validation_failed"


def test_photo_of_unknown_agent_is_404(admin: Caller) -> None:
    response = admin.call("POST", "/agents/nobody/photo",
                          {"contentType": "image/png", "contentLength": 1})
    assert response.status == 404


def test_an_agent_logs_on_and_off_its_queues(admin: Caller) -> None:
    # Given an agent of a group that offers the "evening" profile
    catalog("skills", "billing")
    catalog("profiles", "evening", skills=[{"skillId": "billing", "level": 3}])
    catalog("groups", "oslo", profiles=["evening"])
    agent = new_agent(admin, "jdoe", groupId="oslo")
    me = signed_in(admin.runtime, "jdoe", AGENT_PASSWORD)
    # When it logs on with a profile it may not use, it is 422 unknown_reference
    refused = me.call("PUT", "/me/queue-status", {"status": "logged_on", "profileId": "night"})
    assert refused.status == 422 and refused.json()["code"] == "unknown_reference"
    # And with its group's profile it is logged on (204), as an admin sees it
    assert me.call("PUT", "/me/queue-status",
                   {"status": "logged_on", "profileId": "evening"}).status == 204
    assert admin.call("GET", f"/agents/{agent['id']}").json()["queueStatus"] == "logged_on"
    # And logging off is 204 too
    assert me.call("PUT", "/me/queue-status", {"status": "logged_off"}).status == 204
    assert me.call("GET", "/me").json()["queueStatus"] == "logged_off"


def test_an_admin_logs_an_agent_off_so_it_can_be_moved_and_deleted(admin: Caller) -> None:
    # Given a logged-on agent, which therefore cannot be moved or deleted
    catalog("groups", "bergen")
    agent = new_agent(admin, "jdoe")
    me = signed_in(admin.runtime, "jdoe", AGENT_PASSWORD)
    assert me.call("PUT", "/me/queue-status", {"status": "logged_on"}).status == 204
    moved = admin.call("PUT", f"/agents/{agent['id']}/group", {"groupId": "bergen"})
    assert moved.status == 409 and moved.json()["code"] == "agent_logged_on"
    # When an admin logs it off (by account: any agent reference works)
    assert admin.call("PUT", "/agents/jdoe/queue-status",
                      {"status": "logged_off"}).status == 204
    # Then it is off, the act is audited, and it can be moved and deleted
    assert admin.call("GET", f"/agents/{agent['id']}").json()["queueStatus"] == "logged_off"
    assert [event["action"] for event in audit_events(agent["id"])].count(
        "agent.logged_off") == 1
    assert admin.call("PUT", f"/agents/{agent['id']}/group",
                      {"groupId": "bergen"}).status == 200
    assert admin.call("DELETE", f"/agents/{agent['id']}").status == 204


@pytest.mark.parametrize("body", [{"status": "logged_on"}, {}, {"status": "logged_off",
                                                                  "profileId": "x"}])
def test_an_admin_cannot_log_an_agent_on(admin: Caller, body: dict[str, object]) -> None:
    agent = new_agent(admin, "jdoe")
    response = admin.call("PUT", f"/agents/{agent['id']}/queue-status", body)
    assert response.status == 422 and response.json()["code"] == "validation_failed"


def test_logging_off_an_unknown_agent_is_404(admin: Caller) -> None:
    response = admin.call("PUT", "/agents/nobody-here/queue-status", {"status": "logged_off"})
    assert response.status == 404
