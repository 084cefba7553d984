"""Sending outbox messages: render, unseal the secret parts, hand to SES or SNS.

Outbox items are written in the same transaction as the change that causes them, so a
change that failed sends nothing and a change that stood is never without its message.
Delivery, per item:

- **once**: the notifier claims the item with a conditional write before sending and
  marks it sent after (dropping the sealed secrets), so a record the stream delivers twice
  is sent once;
- **transient failures** (throttling, 5xx, timeouts) are first retried by the SES/SNS
  clients themselves (the sender's adapter: standard retry mode); if they still fail, the claim
  is released and the error raised, so the record is reported as a batch item failure and
  the stream retries it; after the event source's retries it lands in the dead-letter
  queue (``DestinationConfig.OnFailure``);
- **permanent failures** (the address is rejected, the template cannot be rendered) can
  never succeed: they go to the dead-letter queue at once, with the outbox id and the
  reason, and the item is marked ``failed``; the stream moves on.
"""

from __future__ import annotations

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


def deliver(item: dict[str, Any]) -> bool:
    """Send one outbox message unless another delivery has it; True when sent now.

    Raises when the send failed for a reason that may pass (the caller reports the record
    as failed, so it is retried); dead-letters what can never be sent.
    """
    repository = outbox_store()
    message_id = str(item["id"])
    if not repository.claim_outbox(message_id):
        if repository.outbox_status(message_id) == "sending":
            # Another delivery holds it (or died holding it: the claim goes stale). Fail
            # this record so it comes back, rather than acknowledge a message not sent.
            raise DeliveryInProgress(message_id)
        logger.info("outbox message already handled", extra={"message_id": message_id})
        return False
    try:
        subject, body, sms = render(item)
        send(str(item["channel"]), str(item["to"]), subject, body, sms)
    except Exception as error:
        reason = _reason(error)
        if is_transient(error):
            repository.release_outbox(message_id)
            metrics.add_metric(name="NotificationsFailed", unit=MetricUnit.Count, value=1)
            logger.warning("outbox message not sent; will be retried",
                           extra={"message_id": message_id, "reason": reason})
            raise
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
