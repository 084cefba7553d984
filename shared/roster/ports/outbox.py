"""The outbox and what delivers its messages.

``OutboxStore``: a message is claimed before it is sent (a conditional write: one
delivery at a time; a claim older than ``stale_after_seconds`` is abandoned and may be
taken again; each claim counts a delivery attempt), then marked sent or failed, or
released for a later try. ``Sender``: email, SMS and the dead-letter queue; it says
which of its own errors may pass with time, and which of those are its rate or quota.
"""

from __future__ import annotations

from typing import Any, Protocol

from roster.ports import Port


class OutboxStore(Protocol):
    def claim_outbox(self, message_id: str, *, stale_after_seconds: int = 120) -> int | None:
        """Take the message for sending: the attempt this is (1 for the first claim,
        counted in the same write), or None when it is sent, failed or held by another."""

    def release_outbox(self, message_id: str, *, attempt_counts: bool = True) -> None:
        """Give the message back for a later try; ``attempt_counts=False`` takes back the
        attempt its claim counted (the sender was only throttled)."""

    def mark_outbox_sent(self, message_id: str, sent_at: str) -> None: ...

    def mark_outbox_failed(self, message_id: str, failed_at: str, reason: str) -> None: ...

    def outbox_status(self, message_id: str) -> str | None: ...


class Sender(Protocol):
    def send_email(self, to: str, subject: str, body: str) -> None: ...

    def send_sms(self, to: str, text: str) -> None: ...

    def dead_letter(self, record: dict[str, Any]) -> None:
        """Park a message that can never be sent (``record`` holds no secret)."""

    def is_transient(self, error: Exception) -> bool:
        """Would trying again later help (throttling, 5xx, connection)?"""

    def is_throttling(self, error: Exception) -> bool:
        """Is ``error`` the service's sending rate or quota (transient: wait, then retry)?"""

    def failure_code(self, error: Exception) -> str | None:
        """The service's error code for ``error`` (never its text), if it is one of its."""


outbox_store = Port[OutboxStore]("outbox")
sender = Port[Sender]("sender")
