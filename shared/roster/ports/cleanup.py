"""What the scheduled cleanup needs from storage: what has expired, and removing it
only while it is still what expired (each removal conditional on ``expiresAt``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from roster.ports import Port

if TYPE_CHECKING:
    from roster.models.audit import AuditEvent


@dataclass(frozen=True)
class Expired:
    """Something whose time has passed: the store's handle on it, its expiry, and the
    agent when it is a pending email change."""

    handle: tuple[str, str]
    expiresAt: str
    email_change_of: str | None = None


class ExpiryStore(Protocol):
    def expired_pages(self, now: str) -> Iterator[list[Expired]]: ...

    def expire_email_changes(self, entries: Sequence[Expired], *, updated_at: str,
                             audit: Callable[[str], AuditEvent]) -> tuple[int, int]:
        """End those changes (an ``audit(agent_id)`` each): ``(removed, skipped)``."""

    def delete_expired(self, entries: Sequence[Expired]) -> tuple[int, int]:
        """``(removed, skipped)``: an entry renewed meanwhile is skipped."""


expiry_store = Port[ExpiryStore]("cleanup")
