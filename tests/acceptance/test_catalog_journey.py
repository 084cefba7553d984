"""An admin builds the catalogue over HTTP: queues, skills, a profile, a group; pages
through it; finds what is in use; reads the audit of it all."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from support.http import LocalServer, admin_token, call

pytestmark = pytest.mark.acceptance


class Client:
    """The owner, signed in."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.token = admin_token(server)

    def call(self, method: str, path: str, body: Any = None,
             params: dict[str, str] | None = None) -> requests.Response:
        return call(self.server, method, path, self.token, json=body, params=params)

    def all_pages(self, path: str, limit: int) -> tuple[list[dict[str, Any]], int]:
        items: list[dict[str, Any]] = []
        params: dict[str, str] = {"limit": str(limit)}
        pages = 0
        while True:
            reply = self.call("GET", path, params=params)
            assert reply.status_code == 200, reply.text
            body = reply.json()
            assert len(body["items"]) <= limit
            items += body["items"]
            pages += 1
            if body["nextCursor"] is None:
                return items, pages
            params = {"limit": str(limit), "cursor": body["nextCursor"]}


def test_an_admin_builds_and_reads_the_catalogue(local_server: LocalServer) -> None:
    client = Client(local_server)
    tag = uuid.uuid4().hex[:8]
    queues = [f"{tag}-q{n}" for n in range(5)]
    # Given five queues, a skill, a profile using it and a group using the profile
    for queue in queues:
        reply = client.call("POST", "/queues", {"id": queue, "name": f"Queue {queue}"})
        assert reply.status_code == 201, reply.text
        assert reply.headers["Location"].endswith(f"/queues/{queue}")
    skill, profile, group = f"{tag}-billing", f"{tag}-evening", f"{tag}-oslo"
    assert client.call("POST", "/skills", {"id": skill, "name": "Billing"}).status_code == 201
    reply = client.call("POST", "/profiles", {"id": profile, "name": "Evening",
                                              "skills": [{"skillId": skill, "level": 4}]})
    assert reply.status_code == 201, reply.text
    reply = client.call("POST", "/groups", {
        "id": group, "name": "Oslo", "profiles": [profile],
        "properties": {"wrapUpSeconds": 60, "maxLiveChats": 3, "site": "oslo", "vip": False}})
    assert reply.status_code == 201, reply.text
    assert client.call("GET", f"/groups/{group}").json()["properties"] == {
        "wrapUpSeconds": 60, "maxLiveChats": 3, "site": "oslo", "vip": False}

    # When the queues are read two at a time, Then every one comes once, in id order
    items, pages = client.all_pages("/queues", 2)
    mine = [item["id"] for item in items if item["id"].startswith(tag)]
    assert mine == queues and pages >= 3

    # And a tampered cursor is refused
    cursor = client.call("GET", "/queues", params={"limit": "1"}).json()["nextCursor"]
    reply = client.call("GET", "/queues", params={"cursor": cursor[:-1]})
    assert (reply.status_code, reply.json()["code"]) == (400, "invalid_cursor")

    # When the skill and the profile are deleted while in use, Then 409 in_use
    for path in (f"/skills/{skill}", f"/profiles/{profile}"):
        reply = client.call("DELETE", path)
        assert (reply.status_code, reply.json()["code"]) == (409, "in_use")
    # And built-in roles stay
    reply = client.call("DELETE", "/roles/admin")
    assert (reply.status_code, reply.json()["code"]) == (409, "built_in")

    # When the group lets go of the profile, Then the chain can be taken down
    assert client.call("PATCH", f"/groups/{group}", {"profiles": []}).status_code == 200
    for path in (f"/profiles/{profile}", f"/skills/{skill}", f"/queues/{queues[0]}"):
        assert client.call("DELETE", path).status_code == 204
    reply = client.call("GET", f"/queues/{queues[0]}")
    assert (reply.status_code, reply.json()["code"]) == (404, "not_found")

    # And the audit tells the story, newest first
    feed = client.call("GET", "/audit", params={"limit": "100"}).json()["items"]
    ours = [(item["action"], item["details"]["id"]) for item in feed
            if item["action"].startswith("catalog.") and item["details"]["id"].startswith(tag)]
    assert ours[:4] == [("catalog.deleted", queues[0]), ("catalog.deleted", skill),
                        ("catalog.deleted", profile), ("catalog.updated", group)]
    assert ("catalog.created", queues[0]) in ours
