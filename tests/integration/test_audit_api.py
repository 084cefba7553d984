"""``GET /audit``: newest first, per agent or the whole feed, paged, nothing secret."""

from __future__ import annotations

import json
from typing import Any

import pytest
from catalog_runtime import OWNER_PASSWORD, CatalogRuntime
from roster.repository import keys
from roster_local import Runtime

PASSWORD = "Jane-Does-Secret-42"
WRONG = "Not-Janes-Password-13"


@pytest.fixture
def rt(runtime: Runtime) -> CatalogRuntime:
    return CatalogRuntime(runtime)


def whole_feed(rt: CatalogRuntime, query: dict[str, str] | None = None,
               limit: int = 2) -> list[dict[str, Any]]:
    """Every entry, following the cursors page by page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {**(query or {}), "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        reply = rt.invoke("GET", "/audit", query=params)
        assert reply.status == 200, reply.body
        body = reply.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["nextCursor"]
        if cursor is None:
            return items


def test_the_feed_is_newest_first_and_pages_without_gaps(rt: CatalogRuntime) -> None:
    # Given the owner's creation and sign-in, then five catalogue changes
    for n in range(5):
        rt.invoke("POST", "/queues", body={"id": f"q{n}", "name": f"Q{n}"})
    # When the feed is read two at a time
    items = whole_feed(rt, limit=2)
    # Then every event is there once, newest first, in the contract's shape
    actions = [item["action"] for item in items]
    assert actions[:5] == ["catalog.created"] * 5
    assert [item["details"]["id"] for item in items[:5]] == ["q4", "q3", "q2", "q1", "q0"]
    assert actions[-2:] == ["sign_in.succeeded", "agent.created"]
    assert [item["at"] for item in items] == sorted((item["at"] for item in items), reverse=True)
    for item in items:
        assert set(item) == {"at", "actorId", "action", "targetId", "details"}
        assert item["at"].endswith("Z") and len(item["at"]) == 20
    # And the whole feed in one page matches
    assert rt.invoke("GET", "/audit", query={"limit": "100"}).json()["items"] == items


def test_agent_id_narrows_the_feed_to_that_agent(rt: CatalogRuntime) -> None:
    # Given another agent that signs in, and a catalogue change (targeting no agent)
    jane = rt.create_agent("jdoe", password=PASSWORD)
    rt.login("jdoe", PASSWORD)
    rt.invoke("POST", "/queues", body={"id": "q", "name": "Q"})
    # When the feed is asked for Jane's events only
    items = whole_feed(rt, {"agentId": jane}, limit=1)
    # Then it holds exactly her sign-in
    assert [item["action"] for item in items] == ["sign_in.succeeded"]
    assert all(item["targetId"] == jane for item in items)
    owner = whole_feed(rt, {"agentId": rt.owner_id})
    assert [item["action"] for item in owner] == ["sign_in.succeeded", "agent.created"]


def test_an_agent_with_no_events_has_an_empty_feed(rt: CatalogRuntime) -> None:
    reply = rt.invoke("GET", "/audit", query={"agentId": "00000000-0000-0000-0000-000000000000"})
    assert reply.status == 200 and reply.json() == {"items": [], "nextCursor": None}


def test_an_empty_cursor_is_the_first_page(rt: CatalogRuntime) -> None:
    # Given a feed of more than one page
    rt.create_agent("jdoe", password=PASSWORD)
    rt.login("jdoe", PASSWORD)
    first = rt.invoke("GET", "/audit", query={"limit": "1"}).json()
    assert first["nextCursor"]
    # When ?cursor= (empty) is sent / Then it is the first page again
    reply = rt.invoke("GET", "/audit", query={"limit": "1", "cursor": ""})
    assert reply.status == 200 and reply.json() == first


def test_a_cursor_is_bound_to_its_agent(rt: CatalogRuntime) -> None:
    # Given a cursor from the owner's feed
    jane = rt.create_agent("jdoe", password=PASSWORD)
    rt.login("jdoe", PASSWORD)
    rt.login("jdoe", PASSWORD)
    cursor = rt.invoke("GET", "/audit", query={"agentId": rt.owner_id, "limit": "1"}
                       ).json()["nextCursor"]
    assert cursor
    # When used for Jane's feed or the whole feed / Then invalid_cursor
    for query in ({"agentId": jane, "cursor": cursor}, {"cursor": cursor},
                  {"agentId": rt.owner_id, "cursor": cursor[:-2]}):
        reply = rt.invoke("GET", "/audit", query=query)
        assert (reply.status, reply.json()["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"},
                                   {"agentId": "a" * 129}])
def test_bad_parameters_are_validation_failed(rt: CatalogRuntime, query: dict[str, str]) -> None:
    reply = rt.invoke("GET", "/audit", query=query)
    assert (reply.status, reply.json()["code"]) == (422, "validation_failed")


def test_reading_the_audit_needs_audit_read(rt: CatalogRuntime) -> None:
    rt.create_agent("boss", roles=("manager",), password=PASSWORD)
    rt.invoke("POST", "/roles", body={"id": "auditor", "name": "Auditor",
                                      "permissions": ["audit:read"]})
    rt.create_agent("eve", roles=("auditor",), password=PASSWORD)
    reply = rt.invoke("GET", "/audit", token=rt.login("boss", PASSWORD))
    assert (reply.status, reply.json()["code"]) == (403, "forbidden")
    assert rt.invoke("GET", "/audit", token=rt.login("eve", PASSWORD)).status == 200
    assert rt.invoke("GET", "/audit", token="").status == 401


def test_no_secret_ever_reaches_the_audit(rt: CatalogRuntime) -> None:
    # Given an agent that signs in with its password, refreshes, fails once with a wrong
    # password, and a login attempt that puts a password in the login field
    jane = rt.create_agent("jdoe", password=PASSWORD)
    tokens = rt.sign_in("jdoe", PASSWORD)
    refreshed = rt.runtime.invoke("POST", "/auth/refresh",
                                  body={"refreshToken": tokens["refreshToken"]}).json()
    assert "accessToken" in refreshed
    for login, password in (("jdoe", WRONG), (PASSWORD, WRONG)):
        reply = rt.runtime.invoke("POST", "/auth/login",
                                  body={"login": login, "password": password})
        assert reply.status == 401
    stored = rt.repository.table.get(keys.password(jane))
    assert stored is not None
    # When the whole audit feed and Jane's own are read
    feed = whole_feed(rt, limit=100) + whole_feed(rt, {"agentId": jane}, limit=100)
    text = json.dumps(feed)
    # Then the sign-ins are there...
    actions = [item["action"] for item in feed]
    assert "sign_in.succeeded" in actions and actions.count("sign_in.failed") >= 2
    # ...and no password, hash or token is
    secrets = [PASSWORD, WRONG, OWNER_PASSWORD, str(stored["hash"]), "$argon2",
               tokens["accessToken"], tokens["refreshToken"], refreshed["accessToken"],
               refreshed["refreshToken"], rt.owner_token]
    for secret in secrets:
        assert secret not in text
