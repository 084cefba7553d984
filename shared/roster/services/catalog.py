"""Catalogues (roles, queues, skills, groups, skill profiles) and the audit feed.

Every change is one transaction with its ``catalog.*`` audit event. Built-in roles can
be renamed but neither deleted nor given other permissions (``409 built_in``); a caller
cannot create or widen a role with permissions it does not hold itself (``403``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from roster import clock
from roster.authorization import Actor, authorize_role_edit
from roster.errors import (
    AlreadyExists,
    BuiltIn,
    ImmutableField,
    InUse,
    NotFound,
    ValidationFailed,
)
from roster.models.audit import AuditEntry, AuditEvent, AuditPage
from roster.models.catalog import (
    ID_PATTERN,
    IMMUTABLE_FIELDS,
    NOT_NULL_FIELDS,
    REFERENCES,
    RESOURCES,
    CatalogCreate,
    CatalogItem,
    CatalogPatch,
)
from roster.permissions import BUILT_IN_ROLES
from roster.ports.agents import CatalogData as Item
from roster.ports.catalog import catalog_store

_ID = re.compile(ID_PATTERN)


def _resource(kind: str, item: Item) -> CatalogItem:
    return RESOURCES[kind].model_validate(item)


def _not_found(kind: str, item_id: str) -> NotFound:
    return NotFound(f"No item '{item_id}' in {kind}")


def _references(kind: str, item: Item) -> list[str]:
    """The ids of the items ``item`` uses (a group's profiles, a profile's skills)."""
    if kind == "profiles":
        return [str(skill["skillId"]) for skill in item.get("skills", [])]
    if kind == "groups":
        return [str(profile) for profile in item.get("profiles", [])]
    return []


def _referred(kind: str, ids: list[str]) -> tuple[str, list[str]] | None:
    return (REFERENCES[kind][1], ids) if kind in REFERENCES and ids else None


def _event(actor_id: str, action: str, kind: str, item_id: str,
           **details: Any) -> AuditEvent:
    return AuditEvent(actorId=actor_id, action=action, targetId=None,
                      details={"kind": kind, "id": item_id, **details})


# ------------------------------------------------------------------ catalogues
def list_items(kind: str, *, limit: int, cursor: str | None) -> tuple[list[CatalogItem],
                                                                       str | None]:
    items, next_cursor = catalog_store().list_catalog(kind, limit=limit,
                                                       cursor_token=cursor)
    return [_resource(kind, item) for item in items], next_cursor


@dataclass(frozen=True)
class Read:
    """An item as read, with the revision a change of it is conditional on: handed to
    ``update_item``/``delete_item`` by a caller that read it already (SCIM), so that the
    change does not read it again."""

    kind: str
    data: Item
    revision: int

    @property
    def item(self) -> CatalogItem:
        return _resource(self.kind, self.data)


def read_item(kind: str, item_id: str) -> Read:
    found = catalog_store().read_catalog_item(kind, item_id) if _ID.match(item_id) else None
    if found is None:
        raise _not_found(kind, item_id)
    return Read(kind, *found)


def get_item(kind: str, item_id: str) -> CatalogItem:
    return read_item(kind, item_id).item


def _read_once(kind: str, item_id: str, read: Read | None) -> Read:
    """What the caller read of that item, else the item read now."""
    if read is not None and (read.kind, read.data.get("id")) == (kind, item_id):
        return read
    return read_item(kind, item_id)


def find_by_name(kind: str, name: str) -> list[CatalogItem]:
    """The items of a name-indexed kind (queues) named ``name``, case-insensitively."""
    return [_resource(kind, item) for item in catalog_store().find_catalog_by_name(kind, name)]


def create_item(actor: Actor, kind: str, request: CatalogCreate) -> CatalogItem:
    if kind == "roles" and request.id in BUILT_IN_ROLES:
        raise AlreadyExists(f"'{request.id}' is a built-in role")
    item: Item = request.model_dump(mode="json", exclude_none=True)
    if kind == "roles":
        authorize_role_edit(actor, (), item.get("permissions", []))
    stamp = clock.iso(clock.now())
    item.update(createdAt=stamp, updatedAt=stamp)
    catalog_store().create_catalog_item(
        kind, item, references=_referred(kind, _references(kind, item)),
        audit=_event(actor.id, "catalog.created", kind, request.id),
    )
    return _resource(kind, item)


def _changes(kind: str, item_id: str, current: Item, patch: CatalogPatch) -> Item:
    """The fields the patch really changes; immutable ones and nulls refused."""
    changes: Item = patch.model_dump(mode="json", exclude_unset=True)
    for name in IMMUTABLE_FIELDS:
        if name not in changes:
            continue
        value = changes.pop(name)
        was = item_id if name == "id" else current.get(name, False if name == "builtIn" else None)
        if value != was:
            raise ImmutableField(f"'{name}' cannot be changed",
                                 errors=[{"field": name, "message": "cannot be changed"}])
    nulls = [name for name in NOT_NULL_FIELDS if name in changes and changes[name] is None]
    if nulls:
        raise ValidationFailed(errors=[{"field": name, "message": "may not be null"}
                                       for name in nulls])
    return {name: value for name, value in changes.items() if current.get(name) != value}


def update_item(actor: Actor, kind: str, item_id: str, patch: CatalogPatch, *,
                read: Read | None = None) -> CatalogItem:
    """``read``: the item as the caller read it (the write is conditional on its
    revision either way); read here without it."""
    repository = catalog_store()
    found = _read_once(kind, item_id, read)
    current, revision = found.data, found.revision
    changes = _changes(kind, item_id, current, patch)
    if not changes:
        return _resource(kind, current)
    if kind == "roles":
        if "permissions" in changes and (current.get("builtIn") or item_id in BUILT_IN_ROLES):
            raise BuiltIn(f"The permissions of the built-in role '{item_id}' are fixed")
        carried = list(current.get("permissions", []))
        authorize_role_edit(actor, carried, changes.get("permissions") or carried)
    item = {**current, **changes, "updatedAt": clock.iso(clock.now())}
    if item.get("description") is None:
        item.pop("description", None)
    before, after = set(_references(kind, current)), set(_references(kind, item))
    repository.update_catalog_item(
        kind, item, revision=revision, name_before=str(current["name"]),
        added=_referred(kind, sorted(after - before)),
        removed=_referred(kind, sorted(before - after)),
        audit=_event(actor.id, "catalog.updated", kind, item_id, fields=sorted(changes)),
    )
    return _resource(kind, item)


def delete_item(actor: Actor, kind: str, item_id: str, *, read: Read | None = None) -> None:
    """Read (revision, own references) unless the caller passes what it ``read`` before
    its own checks, check nothing uses it, delete at that revision (a use added since
    the read bumped it: the delete fails)."""
    if kind == "roles" and item_id in BUILT_IN_ROLES:
        raise BuiltIn(f"The built-in role '{item_id}' cannot be deleted")
    repository = catalog_store()
    found = _read_once(kind, item_id, read)
    current, revision = found.data, found.revision
    if kind == "roles":
        authorize_role_edit(actor, current.get("permissions", []), ())
    if repository.catalog_item_in_use(kind, item_id):
        raise InUse(f"'{item_id}' in {kind} is still referred to; remove those uses first")
    repository.delete_catalog_item(kind, item_id, revision=revision, name=str(current["name"]),
                                   references=_referred(kind, _references(kind, current)),
                                   audit=_event(actor.id, "catalog.deleted", kind, item_id))


# ------------------------------------------------------------------ audit
def audit_page(agent_id: str | None, *, limit: int, cursor: str | None) -> AuditPage:
    items, next_cursor = catalog_store().list_audit(agent_id or None, limit=limit,
                                                     cursor_token=cursor)
    return AuditPage(
        items=[AuditEntry(at=clock.iso(clock.parse(str(item["at"]))), actorId=item.get("actorId"),
                          action=str(item["action"]), targetId=item.get("targetId"),
                          details=dict(item.get("details") or {}))
               for item in items],
        nextCursor=next_cursor,
    )
