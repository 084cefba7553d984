"""Outbox messages: written in the same transaction as the change that causes them."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field

from roster.models.base import Model

Channel = Literal["email", "sms"]


class OutboxMessage(Model):
    """A message to send. ``params`` are shown in the template; ``secret_params`` (codes,
    temporary passwords, links with tokens) are sealed with KMS before they are stored."""

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    channel: Channel
    to: str
    template: str
    language: str = "en"
    agentId: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    secret_params: dict[str, str] = Field(default_factory=dict, exclude=True)
