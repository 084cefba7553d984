"""The notifier and the sender's rate and quota, on the fakes: a throttled send is waited
out (growing pauses, never past the invocation's budget), a message still throttled is
released uncounted for the stream to bring back and is never dead-lettered; other
transient failures are counted per message and dead-lettered at the limit."""

from __future__ import annotations

from typing import Any

import pytest
from outbox_builders import queued
from roster.services import notifications
from roster.services.notifications import DELIVERY_ATTEMPTS, Patience, Throttled
from support.fakes import Fakes
from support.fakes.outbox import SendFailure

INVOCATION_MS = 60_000
RESERVE_MS = 20_000


class Invocation:
    """A Lambda invocation's clock that only the notifier's pauses move."""

    def __init__(self, left_ms: int = INVOCATION_MS) -> None:
        self.left_ms = left_ms
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.left_ms -= int(seconds * 1000)

    def patience(self, jitter: Any = None) -> Patience:
        return Patience(time_left_ms=lambda: self.left_ms, reserve_ms=RESERVE_MS,
                        sleep=self.sleep, jitter=jitter or (lambda ceiling: ceiling))


def attempts(fakes: Fakes, record: dict[str, Any]) -> int:
    return fakes.world.deliveries[record["id"]].attempts


def test_a_throttled_send_is_waited_out_with_growing_pauses_and_sent_once(
        fakes: Fakes) -> None:
    # Given SES throttles three sends in a row (rate, then the v1 code, then SNS's)
    record = queued(fakes)
    fakes.sender.failures += [SendFailure.throttled(), SendFailure.throttled("Throttling"),
                              SendFailure.throttled("ThrottledException")]
    invocation = Invocation()
    # When the notifier delivers it
    assert notifications.deliver(record, invocation.patience()) is True
    # Then it paused before each retry, doubling, and sent the message once
    assert invocation.slept == [0.5, 1.0, 2.0]
    assert len(fakes.sender.sent) == 1 and fakes.sender.dead_letters == []
    assert fakes.world.deliveries[record["id"]].status == "sent"
    assert attempts(fakes, record) == 1


def test_pauses_have_full_jitter_below_a_ceiling(fakes: Fakes) -> None:
    # Given a sender throttling many times, and the default (random) jitter
    record = queued(fakes)
    fakes.sender.failures += [SendFailure.throttled() for _ in range(8)]
    invocation = Invocation(left_ms=10 * INVOCATION_MS)
    patience = Patience(time_left_ms=lambda: invocation.left_ms, reserve_ms=RESERVE_MS,
                        sleep=invocation.sleep)
    # When it is delivered
    assert notifications.deliver(record, patience) is True
    # Then each pause lies at random between 0 and its doubling ceiling, capped
    ceilings = [min(patience.max_pause, patience.first_pause * 2 ** n) for n in range(8)]
    assert len(invocation.slept) == 8
    pairs = list(zip(invocation.slept, ceilings, strict=True))
    assert all(0 <= pause <= ceiling for pause, ceiling in pairs)
    assert any(pause < ceiling for pause, ceiling in pairs)  # jittered, not the ceiling
    assert ceilings[-1] == patience.max_pause


def test_still_throttled_when_the_budget_is_spent_the_message_waits_for_the_stream(
        fakes: Fakes) -> None:
    # Given SES throttles every send (the daily quota is spent)
    record = queued(fakes)
    fakes.sender.failures += [SendFailure.throttled() for _ in range(100)]
    invocation = Invocation()
    # When the notifier delivers it
    with pytest.raises(Throttled):
        notifications.deliver(record, invocation.patience())
    # Then it waited no longer than the invocation could spare, keeping the reserve
    assert sum(invocation.slept) <= (INVOCATION_MS - RESERVE_MS) / 1000
    assert invocation.left_ms >= RESERVE_MS
    # And the message is released, the attempt not counted, nothing dead-lettered
    assert fakes.world.deliveries[record["id"]].status == "pending"
    assert attempts(fakes, record) == 0
    assert fakes.sender.sent == [] and fakes.sender.dead_letters == []


def test_throttling_never_dead_letters_however_often_the_stream_brings_it_back(
        fakes: Fakes) -> None:
    # Given a message throttled through more deliveries than the failure limit
    record = queued(fakes)
    for _ in range(DELIVERY_ATTEMPTS * 2):
        fakes.sender.failures.append(SendFailure.throttled())
        # When each delivery has no time to wait (or none given)
        with pytest.raises(Throttled):
            notifications.deliver(record, Invocation(left_ms=RESERVE_MS).patience())
    # Then none counted, and the next delivery sends it
    assert attempts(fakes, record) == 0 and fakes.sender.dead_letters == []
    assert notifications.deliver(record) is True
    assert len(fakes.sender.sent) == 1


def test_without_patience_a_throttled_send_is_not_retried(fakes: Fakes) -> None:
    record = queued(fakes)
    fakes.sender.failures.append(SendFailure.throttled())
    with pytest.raises(Throttled):
        notifications.deliver(record)
    assert fakes.world.deliveries[record["id"]].status == "pending"
    assert attempts(fakes, record) == 0


def test_other_transient_failures_are_counted_and_dead_lettered_at_the_limit(
        fakes: Fakes) -> None:
    # Given SES fails with a 5xx every time
    record = queued(fakes)
    # When the stream delivers the message DELIVERY_ATTEMPTS - 1 times
    for attempt in range(1, DELIVERY_ATTEMPTS):
        fakes.sender.failures.append(SendFailure("InternalFailure", transient=True))
        with pytest.raises(SendFailure):
            notifications.deliver(record, Invocation().patience())
        # Then each is counted, released for the next, and nothing waited for
        assert attempts(fakes, record) == attempt
        assert fakes.world.deliveries[record["id"]].status == "pending"
    assert fakes.sender.dead_letters == []
    # When it fails once more
    fakes.sender.failures.append(SendFailure("InternalFailure", transient=True))
    invocation = Invocation()
    assert notifications.deliver(record, invocation.patience()) is False
    # Then it is dead-lettered by the notifier and marked failed; no pause was taken
    (letter,) = fakes.sender.dead_letters
    assert letter["outboxId"] == record["id"]
    assert letter["reason"] == f"InternalFailure after {DELIVERY_ATTEMPTS} attempts"
    assert fakes.world.deliveries[record["id"]].status == "failed"
    assert invocation.slept == [] and fakes.sender.sent == []
    # And a later delivery of the record does nothing
    assert notifications.deliver(record) is False and len(fakes.sender.dead_letters) == 1


def test_throttled_deliveries_in_between_do_not_bring_the_limit_closer(fakes: Fakes) -> None:
    # Given a message that failed DELIVERY_ATTEMPTS - 1 times, and was throttled in between
    record = queued(fakes)
    for _ in range(DELIVERY_ATTEMPTS - 1):
        fakes.sender.failures += [SendFailure("ServiceUnavailable", transient=True)]
        with pytest.raises(SendFailure):
            notifications.deliver(record)
        fakes.sender.failures += [SendFailure.throttled()]
        with pytest.raises(Throttled):
            notifications.deliver(record)
    # When the next delivery succeeds
    assert notifications.deliver(record) is True
    # Then it was sent: the throttled deliveries were not counted
    assert len(fakes.sender.sent) == 1 and fakes.sender.dead_letters == []
    assert attempts(fakes, record) == DELIVERY_ATTEMPTS


def test_a_throttled_then_failing_send_counts_once(fakes: Fakes) -> None:
    # Given a send throttled, then failing with a 5xx, within one delivery
    record = queued(fakes)
    fakes.sender.failures += [SendFailure.throttled(),
                              SendFailure("InternalFailure", transient=True)]
    invocation = Invocation()
    # When it is delivered
    with pytest.raises(SendFailure):
        notifications.deliver(record, invocation.patience())
    # Then it paused once, and the failure counts one attempt
    assert invocation.slept == [0.5] and attempts(fakes, record) == 1


def test_a_permanent_failure_after_throttling_is_dead_lettered_at_once(fakes: Fakes) -> None:
    record = queued(fakes)
    fakes.sender.failures += [SendFailure.throttled(),
                              SendFailure("MessageRejected", transient=False)]
    assert notifications.deliver(record, Invocation().patience()) is False
    (letter,) = fakes.sender.dead_letters
    assert letter["reason"] == "MessageRejected"
    assert fakes.world.deliveries[record["id"]].status == "failed"
