"""Catalogue items and the audit feed (a mixin of ``DynamoRepository``).

Catalogue items live at ``CATALOG#<kind>`` / ``<id>``; listing a kind is one ``Query``
ordered by id. An item is in use while its reference partition ``REF#<kind>#<id>`` holds
anything: the agents' references and those of groups (to profiles) and profiles (to
skills), which are written here in the same transaction as the item that refers.

Kinds in ``NAME_INDEXED`` (queues) keep a copy of each item's public fields at
``NAME#<kind>#<folded name>`` / ``<id>``, written, moved and removed in the item's own
transactions: finding the items of a name is one ``Query`` (names need not be unique).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from roster import cursor
from roster.errors import AlreadyExists, ConcurrentChange, UnknownReference
from roster.models.audit import AuditEvent
from roster.models.catalog import NAME_INDEXED
from roster.repository import keys
from roster.repository.base import StoreBase
from roster.repository.table import (
    Expression,
    Item,
    Key,
    Table,
    TxOp,
    delete,
    put,
    put_new,
    update,
)

AUDIT_INDEX = "gsi1"
CATALOG_ITEM_ATTRIBUTES = ("pk", "sk", "type", "kind", "revision")
NAME_PAGE = 100


def page(table: Table, partition: tuple[str, str], *, limit: int, cursor_token: str | None,
         index: str | None = None, key_attributes: tuple[str, ...] = ("pk", "sk"),
         newest_first: bool = False) -> tuple[list[Item], str | None]:
    """One page of a partition and the cursor of the next (``None`` on the last page).

    Reads ``limit + 1`` items so that a page that ends the partition says so, instead of
    handing out a cursor to an empty page. The cursor is bound to the partition, so one
    list's cursor is ``invalid_cursor`` on another.
    """
    attribute, value = partition
    scope = f"{index or 'table'}:{value}"
    start = cursor.position(cursor_token, scope=scope)
    if start is not None and (set(start) != set(key_attributes) or start.get(attribute) != value):
        raise cursor.InvalidCursor()
    items, last = table.query(
        Expression("#p = :p", {"#p": attribute}, {":p": value}),
        index=index, limit=limit + 1, start_key=start, forward=not newest_first,
        consistent=index is None,
    )
    if len(items) > limit:
        items = items[:limit]
        last = {name: items[-1][name] for name in key_attributes}
    return items, (cursor.encode(last, scope=scope) if last else None)


def public(item: Item) -> Item:
    """A catalogue item's public fields (no key, kind or revision)."""
    return {k: v for k, v in item.items() if k not in CATALOG_ITEM_ATTRIBUTES}


class CatalogStore(StoreBase):
    """Catalogue reads and writes; each change is one transaction with its audit event."""

    def list_catalog(self, kind: str, *, limit: int,
                     cursor_token: str | None) -> tuple[list[Item], str | None]:
        items, next_cursor = page(self.table, ("pk", keys.catalog_partition(kind)),
                                  limit=limit, cursor_token=cursor_token)
        return [public(item) for item in items], next_cursor

    def read_catalog_item(self, kind: str, item_id: str) -> tuple[Item, int] | None:
        """The item (public fields) and its revision, read consistently."""
        item = self.table.get(keys.catalog(kind, item_id))
        if item is None:
            return None
        return public(item), int(item.get("revision", 0))

    def find_catalog_by_name(self, kind: str, name: str) -> list[Item]:
        """The items of ``kind`` named ``name`` (case-insensitively), by id: one ``Query``
        of the name's partition (one per ``NAME_PAGE`` items of the same name)."""
        found: list[Item] = []
        start: Key | None = None
        while True:
            items, start = self.table.query(
                Expression("pk = :p", values={":p": keys.catalog_name_partition(kind, name)}),
                limit=NAME_PAGE, start_key=start, consistent=True)
            found += [public(item) for item in items]
            if start is None:
                return found

    def catalog_item_in_use(self, kind: str, item_id: str) -> bool:
        items, _ = self.table.query(
            Expression("pk = :p", values={":p": keys.reference_partition(kind, item_id)}),
            limit=1, consistent=True,
        )
        return bool(items)

    def create_catalog_item(self, kind: str, item: Item, *,
                            references: tuple[str, Sequence[str]] | None,
                            audit: AuditEvent) -> None:
        """The item, its uses of other items (which must exist) and the audit, at once."""
        operations = [put_new(_stored(kind, item, revision=1), AlreadyExists(
            f"There is already an item '{item['id']}' in {kind}"))]
        operations += name_ops(kind, item)
        operations += _reference_ops(kind, str(item["id"]), references, added=True)
        operations += self.side_effects([audit])
        self.table.transact(operations)

    def update_catalog_item(self, kind: str, item: Item, *, revision: int, name_before: str,
                            added: tuple[str, Sequence[str]] | None,
                            removed: tuple[str, Sequence[str]] | None,
                            audit: AuditEvent) -> None:
        """Replace the item if it is still at ``revision``; move its references (and its
        name item from ``name_before``'s partition)."""
        condition, values = at_revision(revision)
        operations = [put(_stored(kind, item, revision=revision + 1), condition=condition,
                          values=values, on_condition_failure=ConcurrentChange(
                              f"The item '{item['id']}' changed meanwhile; try again"))]
        operations += name_ops(kind, item, name_before=name_before)
        operations += _reference_ops(kind, str(item["id"]), added, added=True)
        operations += _reference_ops(kind, str(item["id"]), removed, added=False)
        operations += self.side_effects([audit])
        self.table.transact(operations)

    def delete_catalog_item(self, kind: str, item_id: str, *, revision: int, name: str,
                            references: tuple[str, Sequence[str]] | None,
                            audit: AuditEvent) -> None:
        """Delete the item if still at ``revision``, with its references and the audit.

        Whatever starts using the item bumps its revision in the same transaction, so a
        use that lands after the caller's in-use check makes this delete fail instead
        of leaving a reference to nothing.
        """
        condition, values = at_revision(revision)
        operations = [delete(keys.catalog(kind, item_id), condition=condition, values=values,
                             on_condition_failure=ConcurrentChange(
                                 f"The item '{item_id}' changed meanwhile; try again"))]
        if kind in NAME_INDEXED:
            operations.append(delete(keys.catalog_name(kind, name, item_id)))
        operations += _reference_ops(kind, item_id, references, added=False)
        operations += self.side_effects([audit])
        self.table.transact(operations)

    # ------------------------------------------------------------------ audit
    def list_audit(self, agent_id: str | None, *, limit: int,
                   cursor_token: str | None) -> tuple[list[Item], str | None]:
        """Newest first: one agent's partition, or the whole feed through ``gsi1``."""
        if agent_id is not None:
            return page(self.table, ("pk", keys.audit_partition(agent_id)), limit=limit,
                        cursor_token=cursor_token, newest_first=True)
        return page(self.table, ("gsi1pk", keys.AUDIT_FEED_PARTITION), limit=limit,
                    cursor_token=cursor_token, index=AUDIT_INDEX, newest_first=True,
                    key_attributes=("pk", "sk", "gsi1pk", "gsi1sk"))


def _stored(kind: str, item: Item, *, revision: int) -> Item:
    return {**keys.catalog(kind, str(item["id"])), "type": "catalog", "kind": kind,
            **item, "revision": revision}


def name_item(kind: str, item: Item) -> Item:
    """The copy of an item (public fields) in its name's partition."""
    return {**keys.catalog_name(kind, str(item["name"]), str(item["id"])),
            "type": "catalog_name", "kind": kind, **public(item)}


def name_ops(kind: str, item: Item, *, name_before: str | None = None) -> list[TxOp]:
    """The item's name copy written (kinds in ``NAME_INDEXED`` only), and the one under
    ``name_before`` removed when that is another partition."""
    if kind not in NAME_INDEXED:
        return []
    operations = [put(name_item(kind, item))]
    if name_before is not None and keys.catalog_name_partition(kind, name_before) \
            != keys.catalog_name_partition(kind, str(item["name"])):
        operations.append(delete(keys.catalog_name(kind, name_before, str(item["id"]))))
    return operations


def at_revision(revision: int) -> tuple[str, dict[str, Any]]:
    """The condition 'still at ``revision``' (seeded items have none: revision 0)."""
    if revision == 0:
        return "attribute_exists(pk) AND attribute_not_exists(revision)", {}
    return "revision = :revision", {":revision": revision}


def _reference_ops(owner_kind: str, owner_id: str,
                   references: tuple[str, Sequence[str]] | None, *, added: bool) -> list[TxOp]:
    """Added: the referred item's revision bumped (it must exist; a concurrent delete of
    it then fails) and the reference item; removed: the reference item's deletion."""
    if not references:
        return []
    kind, values = references
    operations: list[TxOp] = []
    for value in values:
        reference: Key = keys.catalog_reference(kind, value, owner_kind, owner_id)
        if not added:
            operations.append(delete(reference))
            continue
        operations.append(update(
            keys.catalog(kind, value), "SET revision = if_not_exists(revision, :zero) + :one",
            condition="attribute_exists(pk)", values={":zero": 0, ":one": 1},
            on_condition_failure=UnknownReference(
                f"There is no item '{value}' in {kind}",
                errors=[{"field": kind, "message": f"'{value}' does not exist"}]),
        ))
        operations.append(put({**reference, "type": "catalog_reference",
                               "ownerKind": owner_kind, "ownerId": owner_id}))
    return operations
