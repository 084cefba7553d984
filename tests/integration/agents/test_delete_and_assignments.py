"""DELETE /agents/{id} (owner, logged on, assignments, reassignment) and the
assignment routes."""

from __future__ import annotations

from support.agents import AGENT_PASSWORD
from support.api import Caller, new_agent, signed_in


def _assign_directly(agent_id: str, kind: str, count: int) -> None:
    """Many assignments, written as the assignment route writes them (faster setup)."""
    from roster.repository import get_repository

    repository = get_repository()
    for index in range(count):
        assert repository.add_assignment(agent_id, kind, f"{kind}-{index:04d}", audit=[])


def _all(admin: Caller, agent_id: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = admin.call("GET", f"/agents/{agent_id}/assignments",
                          query={"limit": "100", **({"cursor": cursor} if cursor else {})})
        assert page.status == 200, page.json()
        found += [(item["kind"], item["ref"]) for item in page.json()["items"]]
        cursor = page.json()["nextCursor"]
        if cursor is None:
            return found


def test_assignment_routes(admin: Caller) -> None:
    # Given an agent
    agent = new_agent(admin, "jdoe")
    base = f"/agents/{agent['id']}/assignments"
    # When chats and a ticket are assigned (one twice)
    assert admin.call("PUT", f"{base}/chat/c1").status == 204
    assert admin.call("PUT", f"{base}/chat/c1").status == 204
    assert admin.call("PUT", f"{base}/chat/c2").status == 204
    assert admin.call("PUT", f"{base}/ticket/t-9").status == 204
    # Then they are listed by kind and ref, a page at a time
    page = admin.call("GET", base, query={"limit": "2"}).json()
    assert [(i["kind"], i["ref"]) for i in page["items"]] == [("chat", "c1"), ("chat", "c2")]
    assert page["items"][0]["assignedAt"]
    rest = admin.call("GET", base, query={"cursor": page["nextCursor"]}).json()
    assert [(i["kind"], i["ref"]) for i in rest["items"]] == [("ticket", "t-9")]
    assert rest["nextCursor"] is None
    # And removing (twice) leaves the others
    assert admin.call("DELETE", f"{base}/chat/c1").status == 204
    assert admin.call("DELETE", f"{base}/chat/c1").status == 204
    assert _all(admin, agent["id"]) == [("chat", "c2"), ("ticket", "t-9")]


def test_assignment_errors(admin: Caller) -> None:
    agent = new_agent(admin, "jdoe")
    response = admin.call("PUT", f"/agents/{agent['id']}/assignments/email/x")
    assert response.status == 422 and response.json()["code"] == "validation_failed"
    assert admin.call("PUT", "/agents/nobody/assignments/chat/x").status == 404
    assert admin.call("DELETE", "/agents/nobody/assignments/chat/x").status == 404
    assert admin.call("GET", "/agents/nobody/assignments").status == 404
    assert admin.call("GET", f"/agents/{agent['id']}/assignments",
                      query={"cursor": "bad"}).json()["code"] == "invalid_cursor"
    # An empty cursor is the first page, as on every list
    empty = admin.call("GET", f"/agents/{agent['id']}/assignments", query={"cursor": ""})
    assert empty.status == 200 and empty.json() == {"items": [], "nextCursor": None}


def test_delete_agent_removes_everything(admin: Caller) -> None:
    # Given an agent with a session, a numeric id and search entries
    agent = new_agent(admin, "jdoe", numericId=42)
    session = signed_in(admin.runtime, "jdoe", AGENT_PASSWORD)
    # When it is deleted
    assert admin.call("DELETE", f"/agents/{agent['id']}").status == 204
    # Then it is gone everywhere, its session too, and its names are free again
    assert admin.call("GET", f"/agents/{agent['id']}").status == 404
    assert session.call("GET", "/me").status == 401
    assert admin.call("GET", "/agents", query={"q": "jdoe"}).json()["items"] == []
    assert admin.call("GET", "/agents/numeric-ids").json() == {"numericIds": []}
    login = admin.runtime.invoke("POST", "/auth/login",
                                 body={"login": "jdoe", "password": AGENT_PASSWORD})
    assert login.status == 401
    again = new_agent(admin, "jdoe", numericId=42)
    assert again["id"] != agent["id"]
    # And nothing of the old agent is left in the table
    from roster.repository import get_repository

    table = get_repository().table
    leftovers = table.client.scan(TableName=table.name)["Items"]
    assert not [i for i in leftovers if agent["id"] in str(i) and "AUDIT" not in str(i)]
    # And deleting again is 404
    assert admin.call("DELETE", f"/agents/{agent['id']}").status == 404


def test_delete_reassigns_250_assignments(admin: Caller) -> None:
    # Given an agent with 250 assignments of every kind, some of which the target has
    leaving = new_agent(admin, "leaving")
    staying = new_agent(admin, "staying")
    for kind, count in (("chat", 100), ("ticket", 80), ("workflow", 40), ("view", 30)):
        _assign_directly(leaving["id"], kind, count)
    _assign_directly(staying["id"], "view", 5)  # view-0000..0004 on both
    # When it is deleted with reassignTo
    response = admin.call("DELETE", f"/agents/{leaving['id']}",
                          query={"reassignTo": staying["id"]})
    # Then it is gone and the target holds every assignment exactly once
    assert response.status == 204, response.json()
    assert admin.call("GET", f"/agents/{leaving['id']}").status == 404
    moved = _all(admin, staying["id"])
    assert len(moved) == 250 and len(set(moved)) == 250
    # And the target's counts are right: deleting it now reports them
    response = admin.call("DELETE", f"/agents/{staying['id']}")
    assert response.json()["assignments"] == {"chat": 100, "ticket": 80, "workflow": 40,
                                              "view": 30}


def test_reassignment_resumes_after_an_interruption(admin: Caller) -> None:
    # Given a reassignment that stopped after its first batch (the process died)
    from roster.models.audit import AuditEvent
    from roster.repository import get_repository

    leaving = new_agent(admin, "leaving")
    staying = new_agent(admin, "staying")
    _assign_directly(leaving["id"], "ticket", 120)
    repository = get_repository()
    items, _ = repository.assignment_items(leaving["id"], limit=30, after=None)
    repository._move_batch(leaving["id"], staying["id"], items,
                           lambda moved: AuditEvent(actorId=None, action="test",
                                                    targetId=leaving["id"]))
    # When the delete is retried
    response = admin.call("DELETE", f"/agents/{leaving['id']}",
                          query={"reassignTo": staying["id"]})
    # Then everything ends up with the target, once
    assert response.status == 204
    assert len(set(_all(admin, staying["id"]))) == 120
