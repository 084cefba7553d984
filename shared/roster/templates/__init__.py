"""Message templates by area; ``roster.messages`` merges them and renders."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    """Email subject and body, and SMS text (empty when the message is email only)."""

    subject: str
    body: str
    sms: str = ""
