"""What the catalogue and audit services need from storage.

Items are their public fields (``CatalogData``) with a ``revision`` beside them: every
change is conditional on the revision read, so a concurrent change is
``ConcurrentChange``; creating an existing id is ``AlreadyExists``; references name other
items that must exist (``UnknownReference``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from roster.ports import Port
from roster.ports.agents import CatalogData

if TYPE_CHECKING:
    from roster.models.audit import AuditEvent

# (the kind referred to, the ids): a group's profiles, a profile's skills.
References = tuple[str, Sequence[str]]


class CatalogStore(Protocol):
    def list_catalog(self, kind: str, *, limit: int,
                     cursor_token: str | None) -> tuple[list[CatalogData], str | None]: ...

    def read_catalog_item(self, kind: str, item_id: str) -> tuple[CatalogData, int] | None:
        """The item and its revision."""

    def find_catalog_by_name(self, kind: str, name: str) -> list[CatalogData]:
        """The items of a kind in ``NAME_INDEXED`` named ``name`` (compared as
        ``fold_name`` folds it), by id. Items written before the name index existed are
        missing until the backfill's ``queues`` phase has run."""

    def catalog_item_in_use(self, kind: str, item_id: str) -> bool:
        """Whether any agent refers to it."""

    def create_catalog_item(self, kind: str, item: CatalogData, *,
                            references: References | None, audit: AuditEvent) -> None: ...

    def update_catalog_item(self, kind: str, item: CatalogData, *, revision: int,
                            name_before: str, added: References | None, removed: References | None,
                            audit: AuditEvent) -> None: ...

    def delete_catalog_item(self, kind: str, item_id: str, *, revision: int, name: str,
                            references: References | None, audit: AuditEvent) -> None: ...

    def seed_catalog_items(self, kind: str, items: Sequence[CatalogData]) -> None:
        """Create those not there yet (built-in roles); an existing one keeps its edits."""

    def list_audit(self, agent_id: str | None, *, limit: int,
                   cursor_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Audit events newest first: one agent's, or everyone's."""


catalog_store = Port[CatalogStore]("catalog")
