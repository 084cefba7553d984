"""The local outbox: every email sent through SES (v1 or v2) and SMS through SNS.

moto keeps the sent messages in its in-process backends, the same ones whether the
clients talk to it under ``mock_aws`` or through a ``ThreadedMotoServer``, but records
no time: each message is stamped the first time it is observed, and the runtime
observes right after every function invocation.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any


def utc_stamp(moment: datetime | None = None) -> str:
    """``2026-11-23T17:09:36Z``: the contract's time format."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Outbox:
    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        self._messages: list[dict[str, Any]] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def messages(self) -> list[dict[str, Any]]:
        """``{"channel", "to", "subject", "body", "sentAt"}`` for each, oldest first."""
        self.observe()
        with self._lock:
            return [dict(message) for message in self._messages]

    def observe(self) -> None:
        """Stamp the messages moto holds that were not seen yet."""
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        with self._lock:
            stamp = utc_stamp()
            ses = ses_backends[self.account_id][self.region]
            for message in list(ses.sent_messages):
                if self._first_sight(f"ses:{getattr(message, 'id', None) or id(message)}"):
                    self._messages.append({**_email(message, ses), "sentAt": stamp})
            sms = sns_backends[self.account_id][self.region].sms_messages
            for message_id, (phone, text) in list(sms.items()):
                if self._first_sight(f"sns:{message_id}"):
                    self._messages.append(
                        {
                            "channel": "sms",
                            "to": phone,
                            "subject": None,
                            "body": text,
                            "sentAt": stamp,
                        }
                    )

    def _first_sight(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


def _email(message: Any, backend: Any) -> dict[str, Any]:
    """An outbox entry (without ``sentAt``) for one of moto's SES message kinds."""
    if hasattr(message, "raw_data"):
        parsed: EmailMessage = message_from_string(message.raw_data, policy=policy.default)
        part = parsed.get_body(("plain", "html")) if parsed.is_multipart() else parsed
        return {
            "channel": "email",
            "to": str(parsed["To"] or ", ".join(message.destinations)),
            "subject": None if parsed["Subject"] is None else str(parsed["Subject"]),
            "body": "" if part is None else str(part.get_content()),
        }
    recipients = _recipients(message.destinations)
    if hasattr(message, "template"):
        return {"channel": "email", "to": recipients, **_render(message, backend)}
    return {"channel": "email", "to": recipients, "subject": message.subject, "body": message.body}


def _recipients(destinations: Any) -> str:
    if isinstance(destinations, dict):
        for key in ("ToAddresses", "CcAddresses", "BccAddresses"):
            if destinations.get(key):
                return ", ".join(destinations[key])
        return ""
    return ", ".join(str(item) for item in destinations or [])


def _render(message: Any, backend: Any) -> dict[str, Any]:
    """Subject and body of a templated email, rendered with moto's template engine."""
    from moto.ses.template import parse_template

    template = backend.templates.get(message.template)
    if not template:
        return {"subject": message.template, "body": message.template_data}
    data = json.loads(message.template_data or "{}")
    text = template.get("text_part") or template.get("html_part") or ""
    return {
        "subject": parse_template(str(template.get("subject_part", "")), data),
        "body": parse_template(str(text), data),
    }
