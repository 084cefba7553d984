"""An admin manages an agent over HTTP, as a client that knows only the contract."""

from __future__ import annotations

import uuid

import pytest
from support.http import LocalServer, call

pytestmark = pytest.mark.acceptance



def test_create_list_welcome_patch_delete(local_server: LocalServer) -> None:
    unique = uuid.uuid4().hex[:8]
    account, email = f"Agent.{unique}", f"agent.{unique}@example.com"
    signed_in = call(local_server, "POST", "/auth/login",
                     json={"login": "admin", "password": local_server.admin_password})
    admin = signed_in.json()["accessToken"]

    # Given an admin creating an agent with a generated password (retried once)
    body = {"account": account, "email": email, "firstName": "Ada", "lastName": "Lovelace",
            "phone": "004798765432"}
    key = {"Idempotency-Key": f"journey-{unique}"}
    created = call(local_server, "POST", "/agents", admin, json=body, headers=key)
    assert created.status_code == 201, created.text
    agent = created.json()
    assert created.headers["Location"] == f"/agents/{agent['id']}"
    assert created.headers["ETag"] == '"1"'
    assert agent["phone"] == "+4798765432" and agent["alias"] == "Ada Lovelace"
    temporary = agent["temporaryPassword"]
    replay = call(local_server, "POST", "/agents", admin, json=body, headers=key)
    assert replay.status_code == 201 and replay.json()["id"] == agent["id"]
    assert "temporaryPassword" not in replay.json()

    # Then it appears in the list, found by a prefix of its account in another case
    listed = call(local_server, "GET", "/agents", admin,
                  params={"q": account[:7].upper(), "limit": 10}).json()
    assert [a["id"] for a in listed["items"]] == [agent["id"]]

    # And the welcome email with the temporary password was sent once
    messages = call(local_server, "GET", "/_local/outbox").json()["messages"]
    welcome = [m for m in messages if m["to"] == email]
    assert len(welcome) == 1 and temporary in welcome[0]["body"]

    # And signing in with it asks the agent to choose its own password
    first = call(local_server, "POST", "/auth/login",
                 json={"login": email, "password": temporary}).json()
    assert first["challenge"] == "NEW_PASSWORD_REQUIRED"

    # When the admin patches it with the current ETag, then with a stale one
    current = call(local_server, "GET", f"/agents/{agent['id']}", admin)
    patched = call(local_server, "PATCH", f"/agents/{agent['id']}", admin,
                   json={"title": "Analyst", "active": False},
                   headers={"If-Match": current.headers["ETag"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "Analyst" and patched.json()["active"] is False
    stale = call(local_server, "PATCH", f"/agents/{agent['id']}", admin,
                 json={"title": "x"}, headers={"If-Match": current.headers["ETag"]})
    assert stale.status_code == 412 and stale.json()["code"] == "version_conflict"
    # Then the deactivated agent cannot sign in any more
    refused = call(local_server, "POST", "/auth/login",
                   json={"login": email, "password": temporary})
    assert refused.status_code == 403 and refused.json()["code"] == "account_inactive"

    # When the admin deletes it
    deleted = call(local_server, "DELETE", f"/agents/{agent['id']}", admin)
    assert deleted.status_code == 204
    # Then it is gone
    missing = call(local_server, "GET", f"/agents/{agent['id']}", admin)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
