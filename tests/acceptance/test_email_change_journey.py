"""An admin changes an agent's email, over HTTP, as a client that knows only the contract."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.http import LocalServer, call, login, outbox
from support.mail import link_token

pytestmark = pytest.mark.acceptance

AGENT_PASSWORD = "Journey-Passw0rd-9x"


def mails_to(server: LocalServer, address: str) -> list[dict[str, Any]]:
    return [m for m in outbox(server) if m["channel"] == "email" and address in m["to"]]


def test_admin_changes_an_agents_email(local_server: LocalServer) -> None:
    unique = uuid.uuid4().hex[:8]
    old, new = f"jane.{unique}@example.com", f"jane.new.{unique}@example.com"
    admin = login(local_server, "admin", local_server.admin_password).json()["accessToken"]

    # Given an agent with a password, signing in with its email
    created = call(local_server, "POST", "/agents", admin, json={
        "account": f"jane{unique}", "email": old, "firstName": "Jane", "lastName": "Doe",
        "passwordMode": "set", "password": AGENT_PASSWORD, "forcePasswordChange": False,
        "sendWelcome": False,
    })
    assert created.status_code == 201, created.text
    agent = created.json()

    # When an admin changes its email
    changed = call(local_server, "PATCH", f"/agents/{agent['id']}", admin, json={"email": new},
                   headers={"If-Match": created.headers.get("ETag", f'"{agent["version"]}"')})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    # Then the email stays and the new address is pending
    assert body["email"] == old and body["pendingEmail"]["email"] == new

    # And both addresses got mail: the link to the new one, a notice to the old one
    (first_link,) = mails_to(local_server, new)
    assert len(mails_to(local_server, old)) == 1
    first = link_token(first_link)

    # And the old address still signs in, the new one does not yet
    assert login(local_server, old, AGENT_PASSWORD).status_code == 200
    assert login(local_server, new, AGENT_PASSWORD).status_code == 401

    # When the admin asks for a new link
    resent = call(local_server, "POST", f"/agents/{agent['id']}/email-change/resend", admin)
    assert resent.status_code == 202, resent.text
    second = link_token(mails_to(local_server, new)[-1])
    assert second != first

    # Then the first link is dead
    dead = call(local_server, "POST", "/email-verification", json={"token": first})
    assert dead.status_code == 400 and dead.json()["code"] == "invalid_token"

    # When the second link is used
    verified = call(local_server, "POST", "/email-verification", json={"token": second})
    assert verified.status_code == 204, verified.text

    # Then the new address signs in, the old one no longer does
    assert login(local_server, new, AGENT_PASSWORD).status_code == 200
    refused = login(local_server, old, AGENT_PASSWORD)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_credentials"
    shown = call(local_server, "GET", f"/agents/{agent['id']}", admin).json()
    assert shown["email"] == new and shown["pendingEmail"] is None

    # And the old address is free for another agent
    other = call(local_server, "POST", "/agents", admin, json={
        "account": f"other{unique}", "email": old, "firstName": "Other",
        "passwordMode": "invite", "sendWelcome": False,
    })
    assert other.status_code == 201, other.text


def test_the_cleanup_runs_on_demand_locally(local_server: LocalServer) -> None:
    # When a client asks the local server to run the scheduled cleanup now
    response = call(local_server, "POST", "/_local/run/cleanup")
    # Then it ran, and reports what it read and removed
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["function"] == "cleanup"
    assert set(body["result"]) == {"read", "expiredEmailChanges", "expiredItems", "skipped",
                                   "complete"}
    assert body["result"]["complete"] is True


def test_a_malformed_verification_token_is_400_over_http(local_server: LocalServer) -> None:
    # When a link with a token that cannot be ours is used (public route, no bearer)
    response = call(local_server, "POST", "/email-verification", json={"token": "nonsense"})
    # Then the contract's 400 invalid_token problem answers it
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_token"
