"""``CatalogStore`` in memory: revisions, references and the audit feed as the adapter
keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roster import cursor
from roster.errors import AlreadyExists, ConcurrentChange, UnknownReference
from roster.models.agent import reference_values
from roster.models.audit import AuditEvent
from roster.models.catalog import NAME_INDEXED, fold_name
from roster.ports.agents import CatalogData
from roster.ports.catalog import References

from support.fakes.world import World


class MemoryCatalogStore:
    def __init__(self, world: World) -> None:
        self.world = world

    @staticmethod
    def _page(items: list[dict[str, Any]], key: str, *, limit: int, cursor_token: str | None,
              scope: str) -> tuple[list[dict[str, Any]], str | None]:
        """``items`` (ordered) after the cursor's ``key``; a cursor only when more follow."""
        position = cursor.position(cursor_token, scope=scope)
        if position is not None:
            if set(position) != {"after"}:
                raise cursor.InvalidCursor()
            items = [item for item in items if item[key] > position["after"]] \
                if key != "at" else [item for item in items if item[key] < position["after"]]
        page = items[:limit]
        more = len(items) > limit
        return page, (cursor.encode({"after": page[-1][key]}, scope=scope) if more else None)

    def list_catalog(self, kind: str, *, limit: int,
                     cursor_token: str | None) -> tuple[list[CatalogData], str | None]:
        items = [dict(data) for (k, _), (data, _) in sorted(self.world.catalog.items())
                 if k == kind]
        return self._page(items, "id", limit=limit, cursor_token=cursor_token,
                          scope=f"memory-catalog:{kind}")

    def read_catalog_item(self, kind: str, item_id: str) -> tuple[CatalogData, int] | None:
        found = self.world.catalog.get((kind, item_id))
        return (dict(found[0]), found[1]) if found else None

    def find_catalog_by_name(self, kind: str, name: str) -> list[CatalogData]:
        """Items of the name, but not those in ``World.unnamed`` (written before the name
        index, until the backfill names them)."""
        return [dict(data) for (k, item_id), (data, _) in sorted(self.world.catalog.items())
                if k == kind in NAME_INDEXED and (k, item_id) not in self.world.unnamed
                and fold_name(str(data["name"])) == fold_name(name)]

    def catalog_item_in_use(self, kind: str, item_id: str) -> bool:
        return bool(self.world.catalog_uses.get((kind, item_id))) or any(
            (kind, item_id) in reference_values(record)
            for record in self.world.agents.values())

    def _refer(self, owner: tuple[str, str], references: References | None, *,
               added: bool) -> None:
        if not references:
            return
        kind, values = references
        for value in values:
            if added and (kind, value) not in self.world.catalog:
                raise UnknownReference(f"There is no item '{value}' in {kind}",
                                       errors=[{"field": kind,
                                                "message": f"'{value}' does not exist"}])
        for value in values:
            uses = self.world.catalog_uses.setdefault((kind, value), set())
            if added:
                data, revision = self.world.catalog[(kind, value)]
                self.world.catalog[(kind, value)] = (data, revision + 1)
                uses.add(owner)
            else:
                uses.discard(owner)

    def _at_revision(self, kind: str, item_id: str, revision: int) -> None:
        found = self.world.catalog.get((kind, item_id))
        if found is None or found[1] != revision:
            raise ConcurrentChange(f"The item '{item_id}' changed meanwhile; try again")

    def create_catalog_item(self, kind: str, item: CatalogData, *,
                            references: References | None, audit: AuditEvent) -> None:
        item_id = str(item["id"])
        if (kind, item_id) in self.world.catalog:
            raise AlreadyExists(f"There is already an item '{item_id}' in {kind}")
        self._refer((kind, item_id), references, added=True)
        self.world.catalog[(kind, item_id)] = (dict(item), 1)
        self.world.record([audit])

    def update_catalog_item(self, kind: str, item: CatalogData, *, revision: int,
                            name_before: str, added: References | None,
                            removed: References | None, audit: AuditEvent) -> None:
        item_id = str(item["id"])
        self._at_revision(kind, item_id, revision)
        self._refer((kind, item_id), added, added=True)
        self._refer((kind, item_id), removed, added=False)
        self.world.catalog[(kind, item_id)] = (dict(item), revision + 1)
        self.world.unnamed.discard((kind, item_id))  # the update writes its name item
        self.world.record([audit])

    def delete_catalog_item(self, kind: str, item_id: str, *, revision: int, name: str,
                            references: References | None, audit: AuditEvent) -> None:
        self._at_revision(kind, item_id, revision)
        self._refer((kind, item_id), references, added=False)
        del self.world.catalog[(kind, item_id)]
        self.world.unnamed.discard((kind, item_id))
        self.world.record([audit])

    def seed_catalog_items(self, kind: str, items: Sequence[CatalogData]) -> None:
        for item in items:
            self.world.catalog.setdefault((kind, str(item["id"])), (dict(item), 0))

    def list_audit(self, agent_id: str | None, *, limit: int,
                   cursor_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        events = sorted((event for event in self.world.audit
                         if agent_id is None or event.targetId == agent_id),
                        key=lambda event: (event.at, event.id), reverse=True)
        items = [{**event.model_dump(mode="json"), "at": f"{event.at}#{event.id}",
                  "shown": event.at} for event in events]
        page, next_cursor = self._page(items, "at", limit=limit, cursor_token=cursor_token,
                                       scope=f"memory-audit:{agent_id}")
        return [{**{k: v for k, v in item.items() if k not in ("at", "shown", "id")},
                 "at": item["shown"]} for item in page], next_cursor
