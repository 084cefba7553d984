"""The notifier's delivery rules and the cleanup's, on the fakes: a message is sent once,
a claim held by another delivery is retried, failures are retried or dead-lettered by
kind; expired email changes end, renewed ones stay, a short run stops."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from agent_builders import create
from outbox_builders import queued
from roster import clock
from roster.authorization import Actor
from roster.models.audit import AuditEvent
from roster.ports.cleanup import expiry_store
from roster.ports.outbox import outbox_store
from roster.services import cleanup, email_change, notifications
from support.fakes import Fakes
from support.fakes.outbox import MemoryOutboxStore, SendFailure


def status(fakes: Fakes, record: dict[str, Any]) -> str:
    return fakes.world.deliveries[record["id"]].status


def test_the_secret_parts_are_unsealed_only_to_be_sent(fakes: Fakes, admin: Actor) -> None:
    jane = create(admin, "jane", email="jane@example.com")
    email_change.start_change("admin", jane, "new@example.com")
    (verify,) = [entry.message for entry in fakes.world.deliveries.values()
                 if entry.message.template == "email_change.verify"]
    record = MemoryOutboxStore(fakes.world).stream_record(verify.id)
    assert "link" not in str(record["params"]) and record["sealed"]
    assert notifications.deliver(record) is True
    [(channel, to, text)] = fakes.sender.sent
    assert (channel, to) == ("email", "new@example.com")
    assert verify.secret_params["link"] in text


def test_a_message_delivered_twice_is_sent_once(fakes: Fakes) -> None:
    record = queued(fakes)
    assert notifications.deliver(record) is True
    assert notifications.deliver(record) is False
    assert [(channel, to) for channel, to, _ in fakes.sender.sent] == [
        ("email", "jane@example.com")]
    assert status(fakes, record) == "sent"


def test_a_message_another_delivery_holds_is_retried_until_its_claim_is_stale(
        fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    record = queued(fakes)
    assert outbox_store().claim_outbox(record["id"])
    with pytest.raises(notifications.DeliveryInProgress):
        notifications.deliver(record)
    assert fakes.sender.sent == []
    later = clock.now() + timedelta(minutes=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert notifications.deliver(record) is True


def test_a_transient_failure_releases_the_message_for_a_retry(fakes: Fakes) -> None:
    record = queued(fakes, "sms", "+4798765432")
    fakes.sender.failures.append(SendFailure("Throttling", transient=True))
    with pytest.raises(SendFailure):
        notifications.deliver(record)
    assert status(fakes, record) == "pending" and fakes.sender.dead_letters == []
    assert notifications.deliver(record) is True
    assert [channel for channel, _, _ in fakes.sender.sent] == ["sms"]


def test_a_permanent_failure_is_dead_lettered_at_once_without_its_text(fakes: Fakes) -> None:
    record = queued(fakes)
    fakes.sender.failures.append(SendFailure("MessageRejected", transient=False))
    assert notifications.deliver(record) is False
    (letter,) = fakes.sender.dead_letters
    assert letter["outboxId"] == record["id"] and letter["reason"] == "MessageRejected"
    assert letter["source"] == "roster.notifier" and "params" not in letter
    assert status(fakes, record) == "failed"
    assert fakes.world.deliveries[record["id"]].failure == "MessageRejected"
    assert notifications.deliver(record) is False and len(fakes.sender.dead_letters) == 1


def test_an_unknown_channel_is_dead_lettered(fakes: Fakes) -> None:
    record = {**queued(fakes), "channel": "fax"}
    assert notifications.deliver(record) is False
    assert fakes.sender.dead_letters[0]["reason"] == "unknown channel 'fax'"


def _start_in_the_past(admin: Actor, name: str, days_ago: float,
                       monkeypatch: pytest.MonkeyPatch) -> str:
    record = create(admin, name, email=f"{name}@example.com")
    real_now = clock.now
    past = real_now() - timedelta(days=days_ago)
    monkeypatch.setattr(clock, "now", lambda: past)
    try:
        email_change.start_change("admin", record, f"new-{name}@example.com")
    finally:
        monkeypatch.setattr(clock, "now", real_now)
    return record.id


def test_expired_changes_end_and_live_ones_stay(fakes: Fakes, admin: Actor,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    expired = _start_in_the_past(admin, "old", 2, monkeypatch)
    live = _start_in_the_past(admin, "live", 0, monkeypatch)
    fakes.world.expiring[("TEST#1", "X")] = clock.iso(clock.now() - timedelta(hours=1))
    fakes.world.expiring[("TEST#2", "X")] = clock.iso(clock.now() + timedelta(hours=1))
    summary = cleanup.run()
    assert (summary.expiredEmailChanges, summary.expiredItems, summary.skipped) == (1, 1, 0)
    assert fakes.world.agents[expired].pendingEmail is None
    assert expired not in fakes.world.email_changes
    assert fakes.world.agents[live].pendingEmail is not None
    assert list(fakes.world.expiring) == [("TEST#2", "X")]
    assert fakes.world.actions().count("agent.email_change_expired") == 1
    assert cleanup.run().read == 0  # a second run finds nothing


def test_a_change_renewed_after_the_listing_is_not_removed(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    agent_id = _start_in_the_past(admin, "jane", 2, monkeypatch)
    store = expiry_store()
    (page,) = list(store.expired_pages(clock.iso(clock.now())))
    current = email_change.start_change("admin", fakes.world.agents[agent_id],
                                        "newer@example.com")
    done, skipped = store.expire_email_changes(page, updated_at=clock.iso(clock.now()),
                                               audit=lambda agent: AuditEvent(
                                                   actorId=None, action="expired",
                                                   targetId=agent))
    assert (done, skipped) == (0, 1)
    assert fakes.world.agents[agent_id].pendingEmail == current.pendingEmail
    assert fakes.world.email_changes[agent_id].email == "newer@example.com"


def test_a_run_short_of_time_stops_and_says_so(fakes: Fakes) -> None:
    fakes.world.expiring[("TEST#1", "X")] = clock.iso(clock.now() - timedelta(hours=1))
    summary = cleanup.run(time_left_ms=lambda: cleanup.SAFETY_MARGIN_MS - 1)
    assert summary.complete is False and summary.expiredItems == 0
    assert cleanup.run(time_left_ms=lambda: 300_000).expiredItems == 1
