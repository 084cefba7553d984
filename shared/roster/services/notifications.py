"""Sending outbox messages: render, unseal the secret parts, hand to SES or SNS.

Outbox items are written in the same transaction as the change that causes them, so a
change that failed sends nothing and a change that stood is never without its message.
Delivery, per item:

- **once**: the notifier claims the item with a conditional write before sending and
  marks it sent after (dropping the sealed secrets), so a record the stream delivers twice
  is sent once; the claim counts the delivery attempt in the same write;
- **throttling** (the account's sending rate or daily quota) is first retried by the
  SES/SNS clients (standard retry mode), then waited out here: pauses with exponential
  backoff and full jitter while the invocation has time to spare (``Patience``); once it
  has none, the claim is released with its attempt taken back, and the record fails, so
  the stream brings it back (for up to a day) and it is never dead-lettered for that;
- **other transient failures** (5xx, timeouts) release the claim and raise, so the record
  is reported as a batch item failure and the stream retries it; the
  ``DELIVERY_ATTEMPTS``-th such failure dead-letters the message and marks it ``failed``;
- **permanent failures** (the address is rejected, the template cannot be rendered) can
  never succeed: they go to the dead-letter queue at once, with the outbox id and the
  reason, and the item is marked ``failed``; the stream moves on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock, messages, sealing
from roster.observability import logger, metrics
from roster.ports.outbox import outbox_store, sender


class PermanentFailure(Exception):
    """A message that cannot be sent however often it is tried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryInProgress(Exception):
    """Another delivery of the same outbox item has claimed it and not finished."""


class Throttled(Exception):
    """The sender's rate or quota held the message back longer than this delivery could
    wait; it is released, the attempt not counted, for the stream to bring back."""


DELIVERY_ATTEMPTS = 5  # failed deliveries (throttling aside) before the dead-letter queue


def full_jitter(ceiling: float) -> float:
    return random.uniform(0, ceiling)


def wait(seconds: float) -> None:
    """``time.sleep``, looked up when called (a test may replace it)."""
    time.sleep(seconds)


@dataclass
class Patience:
    """How long a throttled send is retried within one invocation: pauses of
    ``jitter(min(max_pause, first_pause * 2**n))`` seconds, each cut short so that
    ``reserve_ms`` of ``time_left_ms()`` remains for the next send and the bookkeeping."""

    time_left_ms: Callable[[], int]
    reserve_ms: int
    sleep: Callable[[float], None] = wait
    jitter: Callable[[float], float] = full_jitter
    first_pause: float = 0.5
    max_pause: float = 16.0
    pauses: list[float] = field(default_factory=list)  # taken so far, in seconds

    def pause(self) -> bool:
        """Wait before the next try; False (and no wait) when no time is left to spare."""
        spare = (self.time_left_ms() - self.reserve_ms) / 1000
        if spare <= 0:
            return False
        seconds = min(spare, self.jitter(min(self.max_pause,
                                             self.first_pause * 2 ** len(self.pauses))))
        self.pauses.append(seconds)
        self.sleep(seconds)
        return True


def render(item: dict[str, Any]) -> tuple[str, str, str]:
    values = {key: str(value) for key, value in dict(item.get("params") or {}).items()}
    if item.get("sealed"):
        values.update(sealing.unseal(item["sealed"], bound_to=str(item["id"])))
    return messages.render(str(item["template"]), item.get("language"), values)


def send(channel: str, to: str, subject: str, body: str, sms: str) -> None:
    if channel == "email":
        sender().send_email(to, subject, body)
    elif channel == "sms":
        sender().send_sms(to, sms)
    else:
        raise PermanentFailure(f"unknown channel {channel!r}")


def is_transient(error: Exception) -> bool:
    """Would trying again later help? The sender's throttling and outages: yes."""
    return not isinstance(error, PermanentFailure) and sender().is_transient(error)


def is_throttling(error: Exception) -> bool:
    """Is it the sender's rate or quota (wait, then try again)?"""
    return not isinstance(error, PermanentFailure) and sender().is_throttling(error)


def send_patiently(item: dict[str, Any], patience: Patience | None) -> None:
    """Render and send; while throttled, pause and try again as long as ``patience``
    allows (without any: not at all), then raise ``Throttled``."""
    while True:
        try:
            subject, body, sms = render(item)
            send(str(item["channel"]), str(item["to"]), subject, body, sms)
            return
        except Exception as error:
            if not is_throttling(error):
                raise
            metrics.add_metric(name="NotificationsThrottled", unit=MetricUnit.Count, value=1)
            if patience is None or not patience.pause():
                raise Throttled(_reason(error)) from error


def _reason(error: Exception) -> str:
    """What went wrong, without the message text (it may quote the content)."""
    if isinstance(error, PermanentFailure):
        return error.reason
    return sender().failure_code(error) or type(error).__name__


def dead_letter(item: dict[str, Any], reason: str) -> None:
    """Put a message that cannot be sent on the dead-letter queue (no secrets in it)."""
    sender().dead_letter({
        "source": "roster.notifier",
        "outboxId": str(item["id"]),
        "agentId": item.get("agentId"),
        "channel": item.get("channel"),
        "template": item.get("template"),
        "reason": reason,
        "failedAt": clock.iso(clock.now()),
    })


def deliver(item: dict[str, Any], patience: Patience | None = None) -> bool:
    """Send one outbox message unless another delivery has it; True when sent now.

    Raises when the send failed for a reason that may pass (the caller reports the record
    as failed, so it is retried): ``Throttled`` once ``patience`` is spent, the sender's
    error for other transient failures until the ``DELIVERY_ATTEMPTS``-th; dead-letters
    what can never be sent, and what failed that often.
    """
    repository = outbox_store()
    message_id = str(item["id"])
    attempt = repository.claim_outbox(message_id)
    if attempt is None:
        if repository.outbox_status(message_id) == "sending":
            # Another delivery holds it (or died holding it: the claim goes stale). Fail
            # this record so it comes back, rather than acknowledge a message not sent.
            raise DeliveryInProgress(message_id)
        logger.info("outbox message already handled", extra={"message_id": message_id})
        return False
    try:
        send_patiently(item, patience)
    except Throttled as held:
        repository.release_outbox(message_id, attempt_counts=False)
        logger.warning("outbox message held back by the sender's rate or quota; will be "
                       "retried", extra={"message_id": message_id, "reason": str(held)})
        raise
    except Exception as error:
        reason = _reason(error)
        if is_transient(error):
            if attempt < DELIVERY_ATTEMPTS:
                repository.release_outbox(message_id)
                metrics.add_metric(name="NotificationsFailed", unit=MetricUnit.Count, value=1)
                logger.warning("outbox message not sent; will be retried",
                               extra={"message_id": message_id, "reason": reason,
                                      "attempt": attempt})
                raise
            reason = f"{reason} after {attempt} attempts"
        try:
            dead_letter(item, reason)
        except Exception:
            repository.release_outbox(message_id)
            raise
        repository.mark_outbox_failed(message_id, clock.iso(clock.now()), reason)
        metrics.add_metric(name="NotificationsDeadLettered", unit=MetricUnit.Count, value=1)
        logger.error("outbox message cannot be sent; dead-lettered",
                     extra={"message_id": message_id, "reason": reason})
        return False
    repository.mark_outbox_sent(message_id, clock.iso(clock.now()))
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
    logger.info("outbox message sent", extra={"message_id": message_id,
                                              "channel": item["channel"],
                                              "template": item["template"]})
    return True
