"""One contract, two implementations: the outbox store's DynamoDB adapter (on moto) and its
in-memory fake claim, count and release delivery attempts alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from roster import clock
from roster.models.outbox import OutboxMessage
from roster.ports.outbox import OutboxStore
from support.fakes import Fakes
from support.fakes.outbox import MemoryOutboxStore


@dataclass
class Outbox:
    store: OutboxStore
    queue: Callable[[OutboxMessage], None]

    def message(self) -> str:
        message = OutboxMessage(channel="email", to="jane@example.com",
                                template="email_change.notice", params={})
        self.queue(message)
        return message.id


@pytest.fixture(params=["memory", "dynamodb"])
def outbox(request: pytest.FixtureRequest) -> Iterator[Outbox]:
    if request.param == "memory":
        world = Fakes().world
        yield Outbox(MemoryOutboxStore(world), lambda message: world.record(messages=[message]))
        return
    request.getfixturevalue("runtime")
    from roster.repository import get_repository

    repository = get_repository()
    yield Outbox(repository, lambda message: repository.record_events(messages=[message]))


def test_each_claim_counts_an_attempt_and_a_throttled_release_takes_it_back(
        outbox: Outbox) -> None:
    message_id = outbox.message()
    # When it is claimed: the first attempt, and nobody else may claim it
    assert outbox.store.claim_outbox(message_id) == 1
    assert outbox.store.claim_outbox(message_id) is None
    assert outbox.store.outbox_status(message_id) == "sending"
    # When released after a failure, the next claim is the second attempt
    outbox.store.release_outbox(message_id)
    assert outbox.store.outbox_status(message_id) == "pending"
    assert outbox.store.claim_outbox(message_id) == 2
    # When released after throttling, that attempt is taken back
    outbox.store.release_outbox(message_id, attempt_counts=False)
    assert outbox.store.claim_outbox(message_id) == 2


def test_a_stale_claim_taken_again_stays_counted(outbox: Outbox,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    message_id = outbox.message()
    assert outbox.store.claim_outbox(message_id) == 1
    later = clock.now() + timedelta(minutes=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert outbox.store.claim_outbox(message_id) == 2


def test_sent_failed_and_unknown_messages_are_not_claimed(outbox: Outbox) -> None:
    sent, failed = outbox.message(), outbox.message()
    for message_id in (sent, failed):
        assert outbox.store.claim_outbox(message_id) == 1
    outbox.store.mark_outbox_sent(sent, clock.iso(clock.now()))
    outbox.store.mark_outbox_failed(failed, clock.iso(clock.now()), "MessageRejected")
    assert outbox.store.claim_outbox(sent) is None
    assert outbox.store.claim_outbox(failed) is None
    assert outbox.store.claim_outbox("no-such-message") is None
    assert (outbox.store.outbox_status(sent), outbox.store.outbox_status(failed)) == (
        "sent", "failed")
