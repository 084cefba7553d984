"""The email-change rules on the fakes: pending until verified, one live link, links
single-use and expiring, addresses unique when verified (not while pending), guards
moving with the email; resend and cancel only of a live change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from agent_builders import create
from roster import clock
from roster.authorization import Actor
from roster.errors import (
    EmailTaken,
    InvalidVerificationToken,
    NoPendingEmail,
    NotFound,
    VersionConflict,
)
from roster.models.agent import AgentRecord
from roster.ports.agents import agent_store
from roster.services import email_change
from support.fakes import Fakes

ADMIN_ID = "admin-actor"


def agent(admin: Actor, name: str) -> AgentRecord:
    return create(admin, name, email=f"{name}@example.com")


def stored(agent_id: str) -> AgentRecord:
    record = agent_store().get_agent(agent_id)
    assert record is not None
    return record


def start(fakes: Fakes, record: AgentRecord, new_email: str) -> str:
    """Start a change as an admin would; the token of the link mailed to ``new_email``."""
    email_change.start_change(ADMIN_ID, record, new_email)
    links = [entry.message.secret_params["link"] for entry in fakes.world.deliveries.values()
             if entry.message.to == new_email and "link" in entry.message.secret_params]
    return links[-1].split("?token=", 1)[1]


def test_a_change_is_pending_and_mails_both_addresses(fakes: Fakes, admin: Actor) -> None:
    jane = agent(admin, "jane")
    changed = email_change.start_change(ADMIN_ID, jane, "new@example.com")
    assert stored(jane.id) == changed
    assert changed.email == "jane@example.com" and changed.version == jane.version + 1
    assert changed.pendingEmail is not None and changed.pendingEmail.email == "new@example.com"
    assert fakes.world.templates()[-2:] == [("new@example.com", "email_change.verify"),
                                           ("jane@example.com", "email_change.notice")]
    assert fakes.world.actions()[-1] == "agent.email_change_requested"


def test_a_stale_version_is_412_and_nothing_is_written_or_sent(fakes: Fakes,
                                                              admin: Actor) -> None:
    jane = agent(admin, "jane")
    email_change.start_change(ADMIN_ID, jane, "first@example.com")
    sent = len(fakes.world.outbox)
    with pytest.raises(VersionConflict) as raised:
        email_change.start_change(ADMIN_ID, jane, "second@example.com")
    assert (raised.value.status, raised.value.code) == (412, "version_conflict")
    assert stored(jane.id).pendingEmail.email == "first@example.com"  # type: ignore[union-attr]
    assert len(fakes.world.outbox) == sent


def test_another_agents_address_is_409_in_any_letter_case(fakes: Fakes, admin: Actor) -> None:
    agent(admin, "taken")
    jane = agent(admin, "jane")
    sent = len(fakes.world.outbox)
    with pytest.raises(EmailTaken) as raised:
        email_change.start_change(ADMIN_ID, jane, "Taken@Example.COM")
    assert (raised.value.status, raised.value.code) == (409, "email_taken")
    assert stored(jane.id).pendingEmail is None and jane.id not in fakes.world.email_changes
    assert len(fakes.world.outbox) == sent


def test_self_service_never_tells_whose_address_it_is(fakes: Fakes, admin: Actor) -> None:
    # Given an agent asking (for itself) for another agent's address
    holder = agent(admin, "taken")
    jane = agent(admin, "jane")
    changed = email_change.start_change(jane.id, jane, "taken@example.com", self_service=True)
    # Then the answer is the one a free address gets, but no link goes out: the holder
    # is told someone asked, and the change can never be verified
    assert changed.pendingEmail is not None
    assert ("taken@example.com", "email_change.address_in_use") in fakes.world.templates()
    assert ("taken@example.com", "email_change.verify") not in fakes.world.templates()
    assert fakes.world.email_changes[jane.id].digest == email_change.NO_TOKEN
    assert stored(holder.id).email == "taken@example.com"


def test_a_pending_address_blocks_nobody(fakes: Fakes, admin: Actor) -> None:
    first = agent(admin, "first")
    token = start(fakes, first, "wanted@example.com")
    second = agent(admin, "second")
    email_change.start_change(ADMIN_ID, second, "wanted@example.com")
    third = create(admin, "third", email="wanted@example.com")
    assert stored(third.id).email == "wanted@example.com"
    # And the first link can no longer take it: 409, the change dropped
    with pytest.raises(EmailTaken):
        email_change.verify(token)
    assert stored(first.id).pendingEmail is None
    assert stored(first.id).email == "first@example.com"
    assert agent_store().find_agent_id("first@example.com") == first.id
    assert first.id not in fakes.world.email_changes
    assert "agent.email_change_dropped" in fakes.world.actions()
    with pytest.raises(InvalidVerificationToken):
        email_change.verify(token)


def test_a_new_change_replaces_the_pending_one(fakes: Fakes, admin: Actor) -> None:
    jane = agent(admin, "jane")
    first = start(fakes, jane, "one@example.com")
    second = start(fakes, stored(jane.id), "two@example.com")
    with pytest.raises(InvalidVerificationToken):
        email_change.verify(first)
    email_change.verify(second)
    assert stored(jane.id).email == "two@example.com"


def test_asking_for_the_current_address_withdraws_the_pending_change(fakes: Fakes,
                                                                    admin: Actor) -> None:
    jane = agent(admin, "jane")
    token = start(fakes, jane, "new@example.com")
    current = stored(jane.id)
    updated = email_change.start_change(ADMIN_ID, current, "jane@example.com")
    assert updated.pendingEmail is None and stored(jane.id).pendingEmail is None
    assert updated.version == stored(jane.id).version == current.version + 1
    with pytest.raises(InvalidVerificationToken):
        email_change.verify(token)
    again = email_change.start_change(ADMIN_ID, updated, "jane@example.com")
    assert again == updated and stored(jane.id).version == updated.version


def test_verification_moves_the_email_and_its_guard_once(fakes: Fakes, admin: Actor) -> None:
    jane = agent(admin, "jane")
    token = start(fakes, jane, "Jane.New@Example.com")
    email_change.verify(token)
    record = stored(jane.id)
    assert (record.email, record.pendingEmail) == ("Jane.New@Example.com", None)
    assert record.version == jane.version + 2
    assert agent_store().find_agent_id("jane.new@example.com") == jane.id
    assert agent_store().find_agent_id("jane@example.com") is None
    assert {("jane@example.com", "email_change.confirmed"),
            ("Jane.New@Example.com", "email_change.confirmed")} <= set(fakes.world.templates())
    # And the link works once; the old address is free for another agent
    with pytest.raises(InvalidVerificationToken):
        email_change.verify(token)
    assert stored(create(admin, "other", email="jane@example.com").id).email == \
        "jane@example.com"


def test_a_change_of_letter_case_keeps_the_guard(fakes: Fakes, admin: Actor) -> None:
    jane = agent(admin, "jane")
    email_change.verify(start(fakes, jane, "Jane@Example.com"))
    assert stored(jane.id).email == "Jane@Example.com"
    assert agent_store().find_agent_id("jane@example.com") == jane.id


def test_a_wrong_secret_unknown_agent_or_expired_link_is_invalid(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    jane = agent(admin, "jane")
    token = start(fakes, jane, "new@example.com")
    agent_id, secret = token.split(".", 1)
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for candidate in (f"{agent_id}.{forged}", f"00000000-0000-4000-8000-000000000000.{secret}",
                      "garbage", ""):
        with pytest.raises(InvalidVerificationToken):
            email_change.verify(candidate)
    later = clock.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(InvalidVerificationToken):
        email_change.verify(token)
    assert stored(jane.id).email == "jane@example.com"


def test_resend_gives_a_new_link_and_kills_the_old_one(fakes: Fakes, admin: Actor) -> None:
    jane = agent(admin, "jane")
    first = start(fakes, jane, "new@example.com")
    before = stored(jane.id)
    answer = email_change.resend(admin, jane.id)
    assert answer.pendingEmail.email == "new@example.com"
    assert stored(jane.id).version == before.version + 1
    second = [entry.message.secret_params["link"] for entry in fakes.world.deliveries.values()
              if "link" in entry.message.secret_params][-1].split("?token=", 1)[1]
    assert second != first and fakes.world.actions()[-1] == "agent.email_change_resent"
    with pytest.raises(InvalidVerificationToken):
        email_change.verify(first)
    email_change.verify(second)


def test_resend_and_cancel_need_a_live_change(fakes: Fakes, admin: Actor,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    jane = agent(admin, "jane")
    for action in (email_change.resend, email_change.cancel):
        with pytest.raises(NoPendingEmail):
            action(admin, jane.id)
        with pytest.raises(NotFound):
            action(admin, "00000000-0000-4000-8000-000000000000")
    start(fakes, jane, "new@example.com")
    later = clock.now() + timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    for action in (email_change.resend, email_change.cancel):
        with pytest.raises(NoPendingEmail) as raised:
            action(admin, jane.id)
        assert (raised.value.status, raised.value.code) == (404, "no_pending_email")


def test_cancel_removes_the_change_and_kills_the_link(fakes: Fakes, admin: Actor) -> None:
    jane = agent(admin, "jane")
    token = start(fakes, jane, "new@example.com")
    email_change.cancel(admin, jane.id)
    assert stored(jane.id).pendingEmail is None and jane.id not in fakes.world.email_changes
    assert fakes.world.actions()[-1] == "agent.email_change_cancelled"
    with pytest.raises(InvalidVerificationToken):
        email_change.verify(token)
    with pytest.raises(NoPendingEmail):
        email_change.cancel(admin, jane.id)


def test_mails_are_limited_per_agent_and_hour(fakes: Fakes, admin: Actor) -> None:
    from roster.config import get_settings
    from roster.errors import TooManyAttempts

    jane = agent(admin, "jane")
    for index in range(get_settings().email_change_requests_per_hour):
        email_change.start_change(ADMIN_ID, stored(jane.id), f"n{index}@example.com")
    with pytest.raises(TooManyAttempts) as raised:
        email_change.start_change(ADMIN_ID, stored(jane.id), "late@example.com")
    assert raised.value.status == 429
    assert stored(jane.id).pendingEmail.email != "late@example.com"  # type: ignore[union-attr]
