"""Audit events: who did what to whom. ``details`` never holds a secret."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from roster import clock
from roster.models.base import Model


class AuditEvent(Model):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    at: str = Field(default_factory=lambda: clock.iso_precise(clock.now()))
    actorId: str | None
    action: str
    targetId: str | None
    details: dict[str, Any] = Field(default_factory=dict)


class AuditEntry(Model):
    """An audit event as the API returns it."""

    at: str
    actorId: str | None
    action: str
    targetId: str | None
    details: dict[str, Any]


class AuditPage(Model):
    items: list[AuditEntry]
    nextCursor: str | None
