"""Outbox messages for the notifier's service tests."""

from __future__ import annotations

from typing import Any

from roster.models.outbox import OutboxMessage
from support.fakes import Fakes


def queued(fakes: Fakes, channel: str = "email", to: str = "jane@example.com") -> dict[str, Any]:
    """An outbox message written as a change writes it; the record the stream carries."""
    message = OutboxMessage(channel=channel, to=to,  # type: ignore[arg-type]
                            template="email_change.notice",
                            params={"firstName": "Jane", "account": "jdoe",
                                    "maskedNewEmail": "n***@example.com"})
    fakes.world.record(messages=[message])
    return message.model_dump(mode="json")
