"""What the runtime's outbox (SES and SNS) holds: messages, codes and links in them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roster_local import Runtime

CODE = re.compile(r"\b(\d{6})\b")


def messages_to(runtime: Runtime, address: str) -> list[dict[str, Any]]:
    """Every email or SMS sent to exactly ``address``, oldest first."""
    return [m for m in runtime.outbox() if m["to"] == address]


def emails_to(runtime: Runtime, address: str) -> list[dict[str, Any]]:
    """Every email whose recipients include ``address`` (in any letter case)."""
    return [m for m in runtime.outbox() if m["channel"] == "email"
            and address.lower() in str(m["to"]).lower()]


def last_code(runtime: Runtime, address: str) -> str:
    """The six-digit code in the newest message sent to ``address``."""
    sent = messages_to(runtime, address)
    assert sent, f"nothing was sent to {address}"
    found = CODE.search(sent[-1]["body"])
    assert found, sent[-1]["body"]
    return found.group(1)


def link_token(message: dict[str, Any]) -> str:
    """The token of the verification link in an email body."""
    for word in str(message["body"]).split():
        if "?token=" in word:
            return word.split("?token=", 1)[1]
    raise AssertionError(f"no verification link in {message['body']!r}")
