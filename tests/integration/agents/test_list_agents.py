"""GET /agents (pages, order, filters), GET /agents/numeric-ids, GET /agents/{id}."""

from __future__ import annotations

from typing import Any

import pytest
from support.agents import AGENT_PASSWORD
from support.api import Caller, new_agent, signed_in
from support.catalog import catalog


def _accounts(admin: Caller, **query: str) -> list[str]:
    """Every account the listing returns for ``query``, following the cursors."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        response = admin.call("GET", "/agents", query=params)
        assert response.status == 200, response.json()
        page = response.json()
        found += [agent["account"] for agent in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            return found


@pytest.fixture
def crowd(admin: Caller) -> dict[str, dict[str, Any]]:
    """Agents across queues, groups, roles and activity."""
    catalog("queues", "sales")
    catalog("queues", "support")
    catalog("groups", "oslo", properties={"maxLiveChats": 2})
    agents = {
        "anna": new_agent(admin, "anna", queues=["sales"], groupId="oslo", numericId=30,
                          alias="Zed Alpha"),
        "Bob": new_agent(admin, "Bob", queues=["sales", "support"], active=False,
                         numericId=10),
        "carl": new_agent(admin, "carl", roles=["manager"], email="Zorro@Example.com"),
        "dina": new_agent(admin, "dina", queues=["support"], groupId="oslo"),
        "erik": new_agent(admin, "erik", active=False, roles=["agent", "manager"]),
        "annabelle": new_agent(admin, "annabelle", numericId=20),
    }
    return agents


def test_pages_follow_account_order(admin: Caller, crowd: dict[str, Any]) -> None:
    # When the list is read two at a time
    first = admin.call("GET", "/agents", query={"limit": "2"}).json()
    # Then pages are ordered by account (case-insensitively) and chained by cursor
    assert [a["account"] for a in first["items"]] == ["admin", "anna"]
    assert first["nextCursor"]
    assert _accounts(admin, limit="2") == ["admin", "anna", "annabelle", "Bob", "carl",
                                           "dina", "erik"]
    # And the last page has no cursor
    last = admin.call("GET", "/agents", query={"limit": "7"}).json()
    assert last["nextCursor"] is None and len(last["items"]) == 7


def test_items_are_full_resources(admin: Caller, crowd: dict[str, Any]) -> None:
    items = admin.call("GET", "/agents", query={"groupId": "oslo"}).json()["items"]
    assert [a["account"] for a in items] == ["anna", "dina"]
    assert items[0]["effectiveProperties"] == {"maxLiveChats": 2}
    assert items[0] == admin.call("GET", f"/agents/{items[0]['id']}").json()


@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"active": "maybe"}, {"role": ""},
    {"group": "oslo"}, {"Active": "true"}, {"limit": "2", "sort": "email"},
])
def test_bad_query_is_422_naming_the_parameter(admin: Caller, query: dict[str, str]) -> None:
    # When a parameter is unknown (not silently ignored) or its value is bad
    response = admin.call("GET", "/agents", query=query)
    # Then the answer is 422 naming that parameter
    assert response.status == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [error["field"] for error in problem["errors"]] == [list(query)[-1]]


def test_exact_and_attribute_filters(admin: Caller, crowd: dict[str, Any]) -> None:
    # Given agents with skills, languages, business units and a queue status
    catalog("skills", "billing")
    billing = [{"skillId": "billing", "level": 2}]
    assert admin.call("PATCH", "/agents/anna", {"skills": billing, "language": "nb",
                                                 "businessUnit": "North"}).status == 200
    assert admin.call("PATCH", "/agents/dina", {"skills": billing}).status == 200
    dina = signed_in(admin.runtime, "dina", AGENT_PASSWORD)
    assert dina.call("PUT", "/me/queue-status", {"status": "logged_on"}).status == 204
    # Then each filter finds exactly its agents, ANDed with the others
    assert _accounts(admin, skill="billing") == ["anna", "dina"]
    assert _accounts(admin, skill="billing", queue="support") == ["dina"]
    assert _accounts(admin, language="nb") == ["anna"]
    assert _accounts(admin, businessUnit="North") == ["anna"]
    assert _accounts(admin, businessUnit="north") == []
    assert _accounts(admin, queueStatus="logged_on") == ["dina"]
    assert _accounts(admin, account="BOB") == ["Bob"]
    assert _accounts(admin, account="Bob", active="true") == []
    assert _accounts(admin, email="zorro@example.com") == ["carl"]
    bad = admin.call("GET", "/agents", query={"queueStatus": "away"})
    assert bad.status == 422 and bad.json()["errors"][0]["field"] == "queueStatus"


def test_password_status_filter_follows_password_changes(admin: Caller) -> None:
    # Given an invited agent (no password yet) and one with a set password
    invited = admin.call("POST", "/agents", {"account": "inv", "email": "inv@example.com",
                                             "firstName": "Inv", "passwordMode": "invite",
                                             "sendWelcome": False})
    assert invited.status == 201
    new_agent(admin, "settled")
    assert _accounts(admin, passwordStatus="none") == ["inv"]
    assert "settled" in _accounts(admin, passwordStatus="set")
    # When an administrator gives the invited one a temporary password
    reset = admin.call("POST", "/agents/inv/password", {"generate": True})
    assert reset.status == 200
    # Then it moved from one status's listing to the other's
    assert _accounts(admin, passwordStatus="none") == []
    assert _accounts(admin, passwordStatus="temporary") == ["inv"]
    bad = admin.call("GET", "/agents", query={"passwordStatus": "unknown"})
    assert bad.status == 422 and bad.json()["errors"][0]["field"] == "passwordStatus"


def test_q_finds_word_starts_without_case_or_accents(admin: Caller) -> None:
    # Given agents with accented names
    new_agent(admin, "aase", firstName="Åse", lastName="Ødegård")
    new_agent(admin, "jdoe", firstName="Jane", lastName="Doe")
    # Then q finds the start of any word, folded, several terms ANDed
    assert _accounts(admin, q="ase") == ["aase"]
    assert _accounts(admin, q="ODEG") == ["aase"]
    assert _accounts(admin, q="doe") == ["jdoe"]
    assert _accounts(admin, q="jane d") == ["jdoe"]
    assert _accounts(admin, q="jane å") == []
    # And a q without a letter or digit is 422 naming it
    bad = admin.call("GET", "/agents", query={"q": "..."})
    assert bad.status == 422 and bad.json()["errors"][0]["field"] == "q"


def test_filters_combine_with_and(admin: Caller, crowd: dict[str, Any]) -> None:
    assert _accounts(admin, queue="sales") == ["anna", "Bob"]
    assert _accounts(admin, queue="sales", active="true") == ["anna"]
    assert _accounts(admin, queue="support", groupId="oslo") == ["dina"]
    assert _accounts(admin, role="manager", active="false") == ["erik"]
    assert _accounts(admin, q="ann", groupId="oslo") == ["anna"]
    assert _accounts(admin, q="ann", queue="support") == []


@pytest.mark.parametrize("cursor", ["garbage", "eyJhZnRlciI6ImEifQ.0000000000000000",
                                    "e30.44136fa355b3678a"])
def test_tampered_cursor_is_400(admin: Caller, crowd: dict[str, Any], cursor: str) -> None:
    response = admin.call("GET", "/agents", query={"cursor": cursor})
    assert response.status == 400
    assert response.json()["code"] == "invalid_cursor"


def test_an_empty_cursor_is_the_first_page(admin: Caller, crowd: dict[str, Any]) -> None:
    # Given the first page / When ?cursor= (empty) is sent / Then it is that same page
    first = admin.call("GET", "/agents", query={"limit": "2"}).json()
    response = admin.call("GET", "/agents", query={"limit": "2", "cursor": ""})
    assert response.status == 200 and response.json() == first


def test_edited_cursor_is_400(admin: Caller, crowd: dict[str, Any]) -> None:
    cursor = admin.call("GET", "/agents", query={"limit": "1"}).json()["nextCursor"]
    payload, _, check = cursor.partition(".")
    edited = payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + check
    response = admin.call("GET", "/agents", query={"cursor": edited})
    assert response.json()["code"] == "invalid_cursor"


def test_numeric_ids(admin: Caller, crowd: dict[str, Any]) -> None:
    response = admin.call("GET", "/agents/numeric-ids")
    assert response.status == 200
    assert response.json() == {"numericIds": [10, 20, 30]}


def test_get_unknown_agent_is_404(admin: Caller) -> None:
    response = admin.call("GET", "/agents/00000000-0000-0000-0000-000000000000")
    assert response.status == 404
    assert response.json()["code"] == "not_found"


def test_get_agent_has_etag(admin: Caller) -> None:
    agent = new_agent(admin, "etag")
    response = admin.call("GET", f"/agents/{agent['id']}")
    assert response.header("ETag") == '"1"'


def test_deprovisioned_agents_are_listed_for_admins_and_filtered(
        admin: Caller, crowd: dict[str, Any]) -> None:
    # Given an agent that provisioning removed while it still had a chat assigned
    from roster.authorization import Actor
    from roster.services import assignments

    dina = crowd["dina"]
    assert admin.call("PUT", f"/agents/{dina['id']}/assignments/chat/c1").status == 204
    token = Actor("provisioning:t1", frozenset({"agents:read", "agents:write",
                                                "agents:delete"}))
    assert assignments.deprovision_or_delete(token, dina["id"]) == "deactivated"
    # Then admins still see it, marked, and can list exactly the deprovisioned ones
    shown = admin.call("GET", "/agents/dina").json()
    assert shown["deprovisionedAt"] is not None and shown["active"] is False
    assert _accounts(admin, deprovisioned="true") == ["dina"]
    assert "dina" not in _accounts(admin, deprovisioned="false")
    assert "dina" in _accounts(admin)
    assert _accounts(admin, deprovisioned="true", queue="support") == ["dina"]
    # And the field is read-only: sent back unchanged is fine, changed is 422
    patched = admin.call("PATCH", "/agents/dina", {"deprovisionedAt": None})
    assert (patched.status, patched.json()["code"]) == (422, "immutable_field")
    # When an admin reactivates it, it is no longer deprovisioned
    reactivated = admin.call("PATCH", "/agents/dina", {"active": True})
    assert reactivated.status == 200 and reactivated.json()["deprovisionedAt"] is None
    assert _accounts(admin, deprovisioned="true") == []
    assert admin.call("GET", "/agents", query={"deprovisioned": "maybe"}).status == 422
