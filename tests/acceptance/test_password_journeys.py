"""Password journeys over HTTP on the local server, reading codes from ``/_local/outbox``.

NIST SP 800-63B (one-time recovery codes), ASVS 2.3.1 / 6.4.1 (temporary passwords are
changed at first sign-in), OWASP (recovery answers the same for every login).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from support.http import TIMEOUT, LocalServer, login, outbox, post
from support.mail import CODE

pytestmark = pytest.mark.acceptance



def sent_to(server: LocalServer, to: str) -> list[dict[str, Any]]:
    return [m for m in outbox(server) if m["to"] == to]


def first_step(server: LocalServer, login_name: str, password: str) -> dict[str, Any]:
    """A sign-in with the right password: tokens, or the challenge that comes next."""
    response = login(server, login_name, password)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def newest_code(server: LocalServer, to: str, *, after: int) -> str:
    sent = sent_to(server, to)
    assert len(sent) > after, f"no new message to {to}"
    found = CODE.search(sent[-1]["body"])
    assert found, sent[-1]["body"]
    return found.group(1)


def create_agent(server: LocalServer, **fields: Any) -> requests.Response:
    admin = first_step(server, "admin", server.admin_password)["accessToken"]
    suffix = uuid.uuid4().hex[:8]
    body = {"account": f"journey-{suffix}", "email": f"journey-{suffix}@example.com",
            "firstName": "Journey", **fields}
    return post(server, "/agents", body, admin)


def test_the_owner_recovers_its_password_by_email(local_server: LocalServer) -> None:
    server = local_server
    seen = len(sent_to(server, "admin@example.com"))
    # Given the owner asks for a code by email, and an unknown login asks too
    known = post(server, "/password/forgot", {"login": "admin", "channel": "email"})
    unknown = post(server, "/password/forgot", {"login": "nobody-here", "channel": "email"})
    # Then both answers are the same 202
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (
        202, {"status": "accepted"})
    # When it resets with the code from its email
    code = newest_code(server, "admin@example.com", after=seen)
    new_password = "Recovered-Owner-Pass-7"
    reset = post(server, "/password/reset",
                 {"login": "admin@example.com", "code": code, "newPassword": new_password})
    try:
        # Then the new password signs in, the code is spent, a notice went out
        assert reset.status_code == 204, reset.text
        assert first_step(server, "admin", new_password)["status"] == "authenticated"
        again = post(server, "/password/reset",
                     {"login": "admin", "code": code, "newPassword": "Another-Pass-Word-8"})
        assert (again.status_code, again.json()["code"]) == (400, "invalid_code")
        assert "changed" in sent_to(server, "admin@example.com")[-1]["subject"]
    finally:
        # the other acceptance tests sign in with the configured password: put it back
        seen = len(sent_to(server, "admin@example.com"))
        post(server, "/password/forgot", {"login": "admin", "channel": "email"})
        restore = post(server, "/password/reset", {
            "login": "admin", "code": newest_code(server, "admin@example.com", after=seen),
            "newPassword": server.admin_password})
        assert restore.status_code == 204, restore.text


def test_forgot_password_by_sms(local_server: LocalServer) -> None:
    server = local_server
    mobile = f"+4791{uuid.uuid4().int % 1_000_000:06d}"
    # Given an invited agent (no password yet) with a mobile phone
    created = create_agent(server, mobilePhone=mobile, passwordMode="invite",
                           sendWelcome=False)
    assert created.status_code == 201, created.text
    account = created.json()["account"]
    seen = len(sent_to(server, mobile))
    # When it asks for a recovery code by SMS
    answer = post(server, "/password/forgot", {"login": account, "channel": "sms"})
    assert (answer.status_code, answer.json()) == (202, {"status": "accepted"})
    # Then an SMS with a 6-digit code reaches its mobile phone (E.164)
    code = newest_code(server, mobile, after=seen)
    assert sent_to(server, mobile)[-1]["channel"] == "sms"
    # When it sets its first password with the code
    password = "First-Own-Passw0rd-1"
    reset = post(server, "/password/reset",
                 {"login": account, "code": code, "newPassword": password})
    assert reset.status_code == 204, reset.text
    # Then it signs in, and its password status is "set"
    tokens = first_step(server, account, password)
    me = requests.get(f"{server.url}/me", timeout=TIMEOUT,
                      headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.json()["passwordStatus"] == "set"
    # And a "password changed" notice went by SMS too
    assert "changed" in sent_to(server, mobile)[-1]["body"]


def test_first_sign_in_with_a_temporary_password(local_server: LocalServer) -> None:
    server = local_server
    # Given an admin creates an agent with a generated temporary password
    created = create_agent(server, passwordMode="generate", sendWelcome=False)
    assert created.status_code == 201, created.text
    account = created.json()["account"]
    temporary = created.json()["temporaryPassword"]
    # When the agent signs in with it
    first = first_step(server, account, temporary)
    # Then it must choose a new password
    assert (first["status"], first["challenge"]) == ("challenge", "NEW_PASSWORD_REQUIRED")
    same = post(server, "/auth/challenge", {"session": first["session"],
                                            "challenge": "NEW_PASSWORD_REQUIRED",
                                            "newPassword": temporary})
    assert (same.status_code, same.json()["code"]) == (422, "password_policy")
    # When it answers with a good one
    answer = post(server, "/auth/challenge", {"session": first["session"],
                                              "challenge": "NEW_PASSWORD_REQUIRED",
                                              "newPassword": "My-Own-Passw0rd-22"})
    # Then it gets tokens, and the new password signs in directly from now on
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "authenticated"
    assert first_step(server, account, "My-Own-Passw0rd-22")["status"] == "authenticated"
