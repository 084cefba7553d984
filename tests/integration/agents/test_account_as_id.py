"""An agent's account wherever a route takes its ``{id}`` (API.md v2): every route under
``/agents/{id}``, in every function, and ``?reassignTo=``; an id wins."""

from __future__ import annotations

from support.api import Caller, new_agent


def test_an_account_names_the_agent_on_reads_and_writes(admin: Caller) -> None:
    # Given an agent
    agent = new_agent(admin, "jdoe", firstName="Jane")
    # When it is read by its account, in any letter case
    by_account = admin.call("GET", "/agents/JDoe")
    # Then it is the agent its id names
    assert by_account.status == 200
    assert by_account.json() == admin.call("GET", f"/agents/{agent['id']}").json()
    # And writes, in this function and in others, take the account too
    changed = admin.call("PATCH", "/agents/jdoe", {"lastName": "Doe"})
    assert changed.status == 200 and changed.json()["id"] == agent["id"]
    assert admin.call("PUT", "/agents/jdoe/assignments/chat/c1").status == 204
    assert admin.call("GET", f"/agents/{agent['id']}/assignments").json()["items"][0][
        "ref"] == "c1"
    assert admin.call("POST", "/agents/jdoe/unlock").status == 204
    assert admin.call("DELETE", "/agents/jdoe/sessions").status == 204


def test_an_unknown_account_is_404(admin: Caller) -> None:
    response = admin.call("GET", "/agents/nobody-here")
    assert response.status == 404
    assert response.json()["code"] == "not_found"


def test_reassign_to_takes_an_account(admin: Caller) -> None:
    # Given an agent with work and another to take it
    leaving = new_agent(admin, "leaving")
    staying = new_agent(admin, "staying")
    assert admin.call("PUT", f"/agents/{leaving['id']}/assignments/ticket/t1").status == 204
    # When the first is deleted by account, reassigning to the other by account
    response = admin.call("DELETE", "/agents/leaving", query={"reassignTo": "Staying"})
    # Then the work moved to that agent
    assert response.status == 204
    moved = admin.call("GET", f"/agents/{staying['id']}/assignments").json()["items"]
    assert [(item["kind"], item["ref"]) for item in moved] == [("ticket", "t1")]
    # And an account nobody has is an invalid target, as an unknown id is
    other = new_agent(admin, "other")
    assert admin.call("PUT", f"/agents/{other['id']}/assignments/chat/c9").status == 204
    refused = admin.call("DELETE", "/agents/other", query={"reassignTo": "ghost"})
    assert refused.status == 422
    assert refused.json()["code"] == "invalid_reassign_target"


def test_an_account_cannot_look_like_an_id_or_a_path_word(admin: Caller) -> None:
    for account in ("numeric-ids", "Numeric-IDs", "0b0f4b2e-8d1c-4a43-9f3e-6c1d2a7b9e10",
                    "0b0f4b2e8d1c4a439f3e6c1d2a7b9e10"):
        response = admin.call("POST", "/agents", {"account": account,
                                                  "email": f"x{len(account)}@example.com",
                                                  "firstName": "X"})
        assert response.status == 422, account
        assert response.json()["errors"][0]["field"] == "account"
