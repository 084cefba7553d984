"""Verified email changes through the service (``start_change``, what the agents PATCH
calls) and the routes ``POST /email-verification``, ``.../email-change/resend`` and
``DELETE .../email-change``, on the local runtime."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from roster import aws, clock
from roster.errors import (
    InvalidVerificationToken,
    RosterError,
)
from roster.models.agent import AgentRecord
from roster.repository import get_repository, keys
from roster.services import email_change
from roster_local.runtime import Runtime
from support.agents import AGENT_PASSWORD, AgentFactory, stored_agent
from support.api import Caller, access_token
from support.audit import audit_actions
from support.concurrency import atomic_aws, error_codes, race
from support.mail import emails_to, link_token

ADMIN_ID = "admin-actor"
RACERS = 10


def token_item(agent_id: str) -> dict[str, Any] | None:
    return get_repository().table.get(keys.email_change(agent_id))


def start(runtime: Runtime, record: AgentRecord, new_email: str) -> str:
    """Start a change as an admin would, deliver the mail, return the link's token."""
    email_change.start_change(ADMIN_ID, record, new_email)
    runtime.pump_streams()
    links = [m for m in emails_to(runtime, new_email) if "?token=" in m["body"]]
    return link_token(links[-1])


def verify(runtime: Runtime, token: str) -> Any:
    return runtime.invoke("POST", "/email-verification", body={"token": token})


def login_status(runtime: Runtime, login: str) -> int:
    response = runtime.invoke("POST", "/auth/login",
                              body={"login": login, "password": AGENT_PASSWORD})
    return response.status


# ------------------------------------------------------------------ start_change


def test_start_sets_pending_mails_both_addresses_and_keeps_the_email(
        runtime: Runtime, agent_factory: AgentFactory) -> None:
    # Given an agent
    agent = agent_factory("jane@example.com")
    # When an admin changes its email
    updated = email_change.start_change(ADMIN_ID, agent, "jane.new@example.com")
    runtime.pump_streams()
    # Then the returned and stored record keep the email, with the new one pending
    stored = stored_agent(agent.id)
    assert updated.email == stored.email == "jane@example.com"
    assert updated.pendingEmail is not None and stored.pendingEmail == updated.pendingEmail
    assert updated.pendingEmail.email == "jane.new@example.com"
    assert updated.version == stored.version == agent.version + 1
    # And it expires after ROSTER_EMAIL_CHANGE_TTL_SECONDS (default one day)
    expires = clock.parse(updated.pendingEmail.expiresAt)
    assert timedelta(hours=23, minutes=59) < expires - clock.now() <= timedelta(days=1)
    # And the new address got the link, the old one a notice naming no full address
    (link_mail,) = emails_to(runtime, "jane.new@example.com")
    (notice,) = emails_to(runtime, "jane@example.com")
    assert f"?token={agent.id}." in link_mail["body"]
    assert "jane.new@example.com" not in notice["body"] and "j***@example.com" in notice["body"]
    assert "token" not in notice["body"]
    # And the change is audited
    assert "agent.email_change_requested" in audit_actions(agent.id)


def test_the_token_is_stored_only_as_a_digest_and_sealed_in_the_outbox(
        runtime: Runtime, agent_factory: AgentFactory) -> None:
    # Given every write request of the change is recorded
    agent = agent_factory("jane@example.com")
    written: list[str] = []

    def record_request(params: dict[str, Any], **_: Any) -> None:
        written.append(json.dumps(params, default=str))

    client = aws.dynamodb()
    client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems",
                                record_request)
    try:
        token = start(runtime, agent, "jane.new@example.com")
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb.TransactWriteItems",
                                      record_request)
    secret = token.split(".", 1)[1]
    # Then the secret never went to the table in clear (neither token item nor outbox)
    assert written and not any(secret in request for request in written)
    # And the token item holds a digest, with the sparse-index and TTL attributes
    item = token_item(agent.id)
    assert item is not None and item["digest"] != secret and len(item["digest"]) == 64
    assert item["expiryBucket"] == "EXPIRING"
    assert item["expiresAt"] == stored_agent(agent.id).pendingEmail.expiresAt  # type: ignore[union-attr]
    assert item["ttl"] == clock.epoch(clock.parse(item["expiresAt"]))


# ------------------------------------------------------------------ verification


def test_verification_swaps_the_email_and_the_sign_in_address(
        runtime: Runtime, agent_factory: AgentFactory) -> None:
    # Given a pending change
    agent = agent_factory("jane@example.com")
    token = start(runtime, agent, "Jane.New@Example.com")
    # Then until it is verified the old address signs in and the new one does not
    assert login_status(runtime, "jane@example.com") == 200
    assert login_status(runtime, "jane.new@example.com") == 401
    # When the link is used (public route: no token)
    response = verify(runtime, token)
    # Then 204, the new address is the email (as given), nothing pending
    assert response.status == 204 and response.body == b""
    stored = stored_agent(agent.id)
    assert stored.email == "Jane.New@Example.com" and stored.pendingEmail is None
    assert stored.version == agent.version + 2
    assert token_item(agent.id) is None
    # And the new address signs in (any case), the old one no longer does
    assert login_status(runtime, "jane.new@example.com") == 200
    assert login_status(runtime, "jane@example.com") == 401
    # And both addresses are told, and it is audited
    runtime.pump_streams()
    assert any(m["subject"].startswith("Your Roster email address was changed")
               for m in emails_to(runtime, "jane@example.com"))
    assert any(m["subject"].startswith("Your Roster email address was changed")
               for m in emails_to(runtime, "jane.new@example.com"))
    assert "agent.email_changed" in audit_actions(agent.id)


def test_a_link_works_once(runtime: Runtime, agent_factory: AgentFactory) -> None:
    agent = agent_factory("jane@example.com")
    token = start(runtime, agent, "new@example.com")
    assert verify(runtime, token).status == 204
    # When it is used again Then 400 invalid_token
    again = verify(runtime, token)
    assert again.status == 400 and again.json()["code"] == "invalid_token"
    assert again.header("Content-Type") == "application/problem+json"


@pytest.mark.parametrize("body", [{}, {"token": 5}, {"token": None}, {"token": ["x"]},
                                  {"token": "x", "extra": 1}])
def test_a_malformed_body_is_422(runtime: Runtime, body: dict[str, Any]) -> None:
    response = runtime.invoke("POST", "/email-verification", body=body)
    assert response.status == 422 and response.json()["code"] == "validation_failed"


def test_me_shows_the_pending_email(runtime: Runtime, agent_factory: AgentFactory) -> None:
    agent = agent_factory("jane@example.com")
    start(runtime, agent, "new@example.com")
    token = access_token(runtime, "jane@example.com", AGENT_PASSWORD)
    me = runtime.invoke("GET", "/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["email"] == "jane@example.com"
    assert me["pendingEmail"]["email"] == "new@example.com"


# ------------------------------------------------------------------ resend and cancel


def test_resend_sends_a_new_link_and_kills_the_old_one(
        runtime: Runtime, agent_factory: AgentFactory, admin: Caller) -> None:
    agent = agent_factory("jane@example.com")
    first = start(runtime, agent, "new@example.com")
    before = stored_agent(agent.id)
    # When an admin asks for a new link
    response = runtime.invoke("POST", f"/agents/{agent.id}/email-change/resend",
                              headers=admin.headers)
    # Then 202 with the pending change, a second mail with a different link
    assert response.status == 202
    body = response.json()
    assert body["status"] == "accepted" and body["pendingEmail"]["email"] == "new@example.com"
    mails = emails_to(runtime, "new@example.com")
    assert len(mails) == 2
    second = link_token(mails[-1])
    assert second != first
    assert stored_agent(agent.id).version == before.version + 1
    assert "agent.email_change_resent" in audit_actions(agent.id)
    # And the first link is dead, the second verifies
    assert verify(runtime, first).json()["code"] == "invalid_token"
    assert verify(runtime, second).status == 204


def test_resend_and_cancel_without_a_pending_change_are_404(
        runtime: Runtime, agent_factory: AgentFactory, admin: Caller) -> None:
    agent = agent_factory("jane@example.com")
    for method, path in (("POST", f"/agents/{agent.id}/email-change/resend"),
                         ("DELETE", f"/agents/{agent.id}/email-change")):
        response = runtime.invoke(method, path, headers=admin.headers)
        assert response.status == 404 and response.json()["code"] == "no_pending_email"
        # And an unknown agent is 404 not_found
        unknown = path.replace(agent.id, "00000000-0000-4000-8000-000000000000")
        response = runtime.invoke(method, unknown, headers=admin.headers)
        assert response.status == 404 and response.json()["code"] == "not_found"


def test_cancel_removes_the_change_and_kills_the_link(
        runtime: Runtime, agent_factory: AgentFactory, admin: Caller) -> None:
    agent = agent_factory("jane@example.com")
    token = start(runtime, agent, "new@example.com")
    response = runtime.invoke("DELETE", f"/agents/{agent.id}/email-change", headers=admin.headers)
    assert response.status == 204
    assert stored_agent(agent.id).pendingEmail is None and token_item(agent.id) is None
    assert verify(runtime, token).json()["code"] == "invalid_token"
    assert "agent.email_change_cancelled" in audit_actions(agent.id)
    again = runtime.invoke("DELETE", f"/agents/{agent.id}/email-change", headers=admin.headers)
    assert again.status == 404 and again.json()["code"] == "no_pending_email"


def test_resend_and_cancel_need_agents_write(runtime: Runtime,
                                            agent_factory: AgentFactory) -> None:
    # Given a plain agent (no permissions) and an agent with a pending change
    agent_factory("caller@example.com", account="plainagent")
    target = agent_factory("jane@example.com")
    start(runtime, target, "new@example.com")
    headers = {"Authorization": f"Bearer {access_token(runtime, 'plainagent', AGENT_PASSWORD)}"}
    # When it asks to resend or cancel Then 403 forbidden; without a token 401
    for method, path in (("POST", f"/agents/{target.id}/email-change/resend"),
                         ("DELETE", f"/agents/{target.id}/email-change")):
        assert runtime.invoke(method, path, headers=headers).json()["code"] == "forbidden"
        assert runtime.invoke(method, path).status == 401
    assert stored_agent(target.id).pendingEmail is not None


def test_two_uses_racing_with_the_same_link_cannot_both_succeed(
        runtime: Runtime, agent_factory: AgentFactory) -> None:
    # Given two requests that both read the change before either wrote (a race)
    agent = agent_factory("jane@example.com")
    start(runtime, agent, "new@example.com")
    repository = get_repository()
    first_record, first_change = repository.load_email_change(agent.id)
    second_record, second_change = repository.load_email_change(agent.id)
    assert first_record and first_change and second_record and second_change
    stamp = clock.iso(clock.now())
    # When both complete it
    repository.complete_email_change(first_record, first_change, updated_at=stamp,
                                     audit=[], messages=[])
    # Then the second is refused as an invalid token, and the change happened once
    with pytest.raises(InvalidVerificationToken):
        repository.complete_email_change(second_record, second_change, updated_at=stamp,
                                         audit=[], messages=[])
    stored = stored_agent(agent.id)
    assert stored.email == "new@example.com" and stored.version == agent.version + 2


def test_10_concurrent_uses_of_one_link_change_the_email_exactly_once(
        runtime: Runtime, agent_factory: AgentFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a pending change and its link, and each AWS request atomic (as in AWS)
    atomic_aws(monkeypatch)
    agent = agent_factory("jane@example.com")
    token = start(runtime, agent, "new@example.com")
    sent_before = len(runtime.outbox())
    # When 10 verifications present the link at once
    outcomes = race(email_change.verify, [token] * RACERS)
    runtime.pump_streams()
    # Then exactly one succeeds and every other one is the contract's 400 invalid_token
    assert [o for o in outcomes if not isinstance(o, RosterError)] == [None], outcomes
    assert error_codes(outcomes) == [(400, "invalid_token")] * (RACERS - 1)
    # And the email changed once: new address, nothing pending, version moved once
    stored = stored_agent(agent.id)
    assert stored.email == "new@example.com" and stored.pendingEmail is None
    assert stored.version == agent.version + 2
    assert token_item(agent.id) is None
    # And the guards moved once: the new address signs in, the old one does not
    table = get_repository().table
    assert table.get(keys.email_guard("jane@example.com")) is None
    new_guard = table.get(keys.email_guard("new@example.com"))
    assert new_guard is not None and new_guard["agentId"] == agent.id
    assert login_status(runtime, "new@example.com") == 200
    assert login_status(runtime, "jane@example.com") == 401
    # And one audit event, one confirmation to each address
    assert audit_actions(agent.id).count("agent.email_changed") == 1
    confirmations = runtime.outbox()[sent_before:]
    assert sorted(m["to"] for m in confirmations) == ["jane@example.com", "new@example.com"]
    assert all(m["subject"] == "Your Roster email address was changed" for m in confirmations)
