"""``OutboxStore`` and ``Sender`` in memory: claims (and their attempt counts) as the
adapter makes them; a sender that records what it sent and can be told to fail, or to
throttle as SES and SNS do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from roster import clock, sealing

from support.fakes.world import World


class MemoryOutboxStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def stream_record(self, message_id: str) -> dict[str, Any]:
        """The message as the stream hands it to the notifier: secret parts sealed."""
        message = self.world.deliveries[message_id].message
        record = message.model_dump(mode="json")
        if message.secret_params:
            record["sealed"] = sealing.seal(message.secret_params, bound_to=message_id)
        return record

    def claim_outbox(self, message_id: str, *, stale_after_seconds: int = 120) -> int | None:
        entry = self.world.deliveries.get(message_id)
        now = clock.epoch(clock.now())
        if entry is None or not (
                entry.status == "pending" or (entry.status == "sending"
                                              and entry.claimed_at is not None
                                              and entry.claimed_at < now - stale_after_seconds)):
            return None
        entry.status, entry.claimed_at = "sending", now
        entry.attempts += 1
        return entry.attempts

    def release_outbox(self, message_id: str, *, attempt_counts: bool = True) -> None:
        entry = self.world.deliveries[message_id]
        entry.status = "pending"
        if not attempt_counts:
            entry.attempts -= 1

    def mark_outbox_sent(self, message_id: str, sent_at: str) -> None:
        entry = self.world.deliveries[message_id]
        entry.status, entry.sent_at = "sent", sent_at

    def mark_outbox_failed(self, message_id: str, failed_at: str, reason: str) -> None:
        entry = self.world.deliveries[message_id]
        entry.status, entry.failure = "failed", reason

    def outbox_status(self, message_id: str) -> str | None:
        entry = self.world.deliveries.get(message_id)
        return entry.status if entry else None


class SendFailure(Exception):
    """What a ``RecordingSender`` told to fail raises (throttling is transient too)."""

    def __init__(self, code: str, *, transient: bool, throttling: bool = False) -> None:
        super().__init__(code)
        self.code, self.transient, self.throttling = code, transient or throttling, throttling

    @classmethod
    def throttled(cls, code: str = "TooManyRequestsException") -> SendFailure:
        """The account's sending rate or daily quota, as SES (or SNS) answers it."""
        return cls(code, transient=True, throttling=True)


@dataclass
class RecordingSender:
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, to, text)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    failures: list[SendFailure] = field(default_factory=list)  # raised by the next sends

    def _send(self, channel: str, to: str, text: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((channel, to, text))

    def send_email(self, to: str, subject: str, body: str) -> None:
        self._send("email", to, f"{subject}\n{body}")

    def send_sms(self, to: str, text: str) -> None:
        self._send("sms", to, text)

    def dead_letter(self, record: dict[str, Any]) -> None:
        self.dead_letters.append(record)

    def is_transient(self, error: Exception) -> bool:
        return isinstance(error, SendFailure) and error.transient

    def is_throttling(self, error: Exception) -> bool:
        return isinstance(error, SendFailure) and error.throttling

    def failure_code(self, error: Exception) -> str | None:
        return error.code if isinstance(error, SendFailure) else None
