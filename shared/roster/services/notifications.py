"""Sending outbox messages: render, unseal the secret parts, hand to SES or SNS.

Each outbox item is sent once even if the stream delivers it twice: the notifier claims
it with a conditional write before sending, marks it sent after, and drops the sealed
secrets once they are no longer needed.
"""

from __future__ import annotations

from typing import Any

from roster import aws, clock, messages, sealing
from roster.config import get_settings
from roster.observability import logger
from roster.repository import get_repository


def render(item: dict[str, Any]) -> tuple[str, str, str]:
    values = {key: str(value) for key, value in dict(item.get("params") or {}).items()}
    if item.get("sealed"):
        values.update(sealing.unseal(item["sealed"], bound_to=str(item["id"])))
    return messages.render(str(item["template"]), item.get("language"), values)


def send(channel: str, to: str, subject: str, body: str, sms: str) -> None:
    if channel == "email":
        aws.ses().send_email(
            FromEmailAddress=get_settings().email_sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            }},
        )
    elif channel == "sms":
        aws.sns().publish(
            PhoneNumber=to,
            Message=sms,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String",
                                                        "StringValue": "Transactional"}},
        )
    else:
        raise ValueError(f"unknown channel {channel!r}")


def deliver(item: dict[str, Any]) -> bool:
    """Send one outbox message unless another delivery has it; True when sent now."""
    repository = get_repository()
    message_id = str(item["id"])
    if not repository.claim_outbox(message_id):
        logger.info("outbox message already claimed", extra={"message_id": message_id})
        return False
    try:
        subject, body, sms = render(item)
        send(str(item["channel"]), str(item["to"]), subject, body, sms)
    except Exception:
        repository.release_outbox(message_id)
        raise
    repository.mark_outbox_sent(message_id, clock.iso(clock.now()))
    logger.info("outbox message sent", extra={"message_id": message_id,
                                              "channel": item["channel"],
                                              "template": item["template"]})
    return True
