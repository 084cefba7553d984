"""SCIM Groups: Roster's queues (API.md "Provisioning tokens and SCIM 2.0").

Group <-> queue: ``id`` = the queue's id, ``displayName`` = its name, ``members`` = the
agents whose ``queues`` hold it (read from the queue's ``REF#queues#<id>`` partition,
deprovisioned agents left out). A Group created through SCIM gets an id made from its
``displayName`` (lower-cased, every other character ``-``, a ``-2``, ``-3``... suffix
until it is free). Membership changes are agent changes: each goes through
``agents.update_agent`` (dominance, audit) conditional on the version read.

A write reads each item once: the queue read first is the one renamed or deleted (at
its revision), an agent read (or listed as a member) is the one changed, and the
answer's members are those read before the change with the change applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from scim2_models import Context, GroupMember, ListResponse, Meta, PatchOp

from roster import clock
from roster.authorization import Actor
from roster.errors import (
    AlreadyExists,
    ConcurrentChange,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from roster.models.agent import AgentRecord
from roster.models.agents_api import UpdateAgentRequest
from roster.models.catalog import CatalogCreate, CatalogItem, CatalogPatch
from roster.models.scim import POLICY, ScimGroup
from roster.ports.agents import AgentFilter
from roster.services import agents, catalog
from roster.services.scim import MAX_KEY_VALUE, Answer, parse, render, translated
from roster.services.scim.listing import (
    MAX_EXAMINED,
    READ_PAGE,
    Search,
    eq_value,
    visible_agents,
)

KIND = "queues"
ID_LENGTH = 64
ID_ATTEMPTS = 20
MEMBER_RETRIES = 3
_OTHER = re.compile(r"[^a-z0-9._-]")


def group_id_of(display_name: str, taken: int = 1) -> str:
    """The queue id a Group named ``display_name`` gets: lower-cased, every character
    a catalogue id cannot hold ``-``; ``taken`` > 1 appends ``-<taken>``."""
    suffix = f"-{taken}" if taken > 1 else ""
    stem = _OTHER.sub("-", display_name.strip().lower())[:ID_LENGTH - len(suffix)] or "queue"
    return stem + suffix


def members_of(queue_id: str, *, hidden: bool = False) -> list[AgentRecord]:
    """The agents in the queue (deprovisioned ones too when ``hidden``), in account
    order."""
    return list(visible_agents(AgentFilter(queue=queue_id), hidden=hidden))


def in_account_order(records: Iterable[AgentRecord]) -> list[AgentRecord]:
    """The order the queue's reference partition lists its agents in (sort key
    ``<account lower-cased>#<id>``; no account character sorts below ``#``)."""
    return sorted(records, key=lambda record: (record.account.lower(), record.id))


def group_of(queue: CatalogItem, base: str, members: list[AgentRecord] | None) -> ScimGroup:
    """The Group of ``queue``; ``members`` as read (``None``: not shown)."""
    data = queue.model_dump()
    return ScimGroup(
        id=queue.id, display_name=queue.name,
        members=[GroupMember(value=record.id, ref=f"{base}/Users/{record.id}", type="User")
                 for record in members or ()] or None,
        meta=Meta(resource_type="Group", created=clock.parse(data["createdAt"]),
                  last_modified=clock.parse(data["updatedAt"]),
                  location=f"{base}/Groups/{queue.id}"),
    )


def _wants_members(attributes: list[str] | None, excluded: list[str] | None) -> bool:
    """Whether the answer shows ``members`` (reading them costs a query per 100)."""
    if excluded and any(name.lower() == "members" for name in excluded):
        return False
    return not attributes or any(name.lower().startswith("members") for name in attributes)


def _answer(queue: CatalogItem, base: str, members: list[AgentRecord] | None,
            context: Context = Context.RESOURCE_QUERY_RESPONSE, *,
            attributes: list[str] | None = None, excluded: list[str] | None = None) -> Answer:
    group = group_of(queue, base, members)
    return Answer(render(group, context, attributes=attributes, excluded=excluded),
                  location=f"{base}/Groups/{queue.id}")


# ---------------------------------------------------------------------- reads
@translated
def get_group(queue_id: str, base: str, *, attributes: list[str] | None = None,
              excluded: list[str] | None = None) -> Answer:
    queue = catalog.get_item(KIND, queue_id)
    members = members_of(queue_id) if _wants_members(attributes, excluded) else None
    return _answer(queue, base, members, attributes=attributes, excluded=excluded)


def _queues() -> Iterator[CatalogItem]:
    """Every queue, a catalogue page at a time (``MAX_EXAMINED`` at most: ``tooMany``)."""
    page_cursor: str | None = None
    read = 0
    while True:
        items, page_cursor = catalog.list_items(KIND, limit=READ_PAGE, cursor=page_cursor)
        for item in items:
            read += 1
            if read > MAX_EXAMINED:
                raise ValidationFailed(f"More than {MAX_EXAMINED} groups to examine; "
                                       "filter on displayName", scimType="tooMany")
            yield item
        if page_cursor is None:
            return


def _named(display_name: str) -> list[CatalogItem]:
    """The queues of that name (case-insensitively): one query of the name index. A
    queue written before the index existed has no entry until the backfill's ``queues``
    phase names it (docs/data-model.md); the catalogue is not read in its place."""
    if len(display_name) > MAX_KEY_VALUE:
        return []  # longer than any name: its key would be too long
    return catalog.find_by_name(KIND, display_name)


@translated
def list_groups(search: Search, base: str) -> dict[str, Any]:
    """Groups in queue-id order, filtered by ``scim2-models``' own ``match`` (a filter
    on ``members`` reads each queue's members): a ``displayName eq`` term of a top-level
    ``and`` reads that name's queues only, any other filter the catalogue."""
    wanted = search.request.filter
    needs_members = (_wants_members(search.attributes, search.excluded)
                     or (wanted is not None and "members" in str(wanted).lower()))
    skip, count = search.start - 1, search.count
    page: list[ScimGroup] = []
    matched = 0
    display_name = eq_value(wanted.ast if wanted is not None else None, "displayName")
    for queue in (_queues() if display_name is None else _named(display_name)):
        group = group_of(queue, base, members_of(queue.id) if needs_members else None)
        if wanted is not None and not wanted.match(group):
            continue
        matched += 1
        if skip < matched <= skip + count:
            page.append(group)
        elif matched > skip + count:
            break
    response = ListResponse[ScimGroup](total_results=matched, start_index=search.start,
                                       items_per_page=len(page), resources=page)
    return render(response, Context.SEARCH_RESPONSE, attributes=search.attributes,
                  excluded=search.excluded)


# ---------------------------------------------------------------------- writes
def _member_ids(group: ScimGroup) -> set[str]:
    return {str(member.value) for member in group.members or [] if member.value}


def _agent(agent_id: str) -> AgentRecord:
    """The agent a membership names (unknown: the request's ``invalidValue``)."""
    try:
        return agents.get_agent(agent_id)
    except NotFound:
        raise ValidationFailed(f"members: there is no User {agent_id}",
                               scimType="invalidValue") from None


def _set_membership(actor: Actor, agent_id: str, queue_id: str, member: bool, *,
                    hidden: bool = False, read: AgentRecord | None = None) -> AgentRecord:
    """Add the queue to (or take it from) the agent's ``queues``, conditional on the
    version read (``read``: the agent as the caller read it; read again when a
    concurrent change got in first); the agent as it then is."""
    for attempt in range(MEMBER_RETRIES):
        record = read if attempt == 0 and read is not None else _agent(agent_id)
        if record.deprovisionedAt is not None and not hidden:
            raise ValidationFailed(f"members: there is no User {agent_id}",
                                   scimType="invalidValue")
        queues = [queue for queue in record.queues if queue != queue_id]
        if member:
            queues.append(queue_id)
        if queues == record.queues:
            return record
        try:
            return agents.update_agent(actor, agent_id, UpdateAgentRequest(queues=queues),
                                       f'"{record.version}"', read=record).record
        except VersionConflict:
            if attempt == MEMBER_RETRIES - 1:
                raise
    raise VersionConflict()  # pragma: no cover - the loop returns or raises


# Each membership change is its agent's own conditional write (about 6 round trips): this
# many keep a request well inside API Gateway's 29 seconds.
MAX_MEMBER_CHANGES = 200


def _refuse_too_many(changes: int) -> None:
    if changes > MAX_MEMBER_CHANGES:
        raise ValidationFailed(
            f"{changes} membership changes in one request; at most {MAX_MEMBER_CHANGES} "
            "(each is its agent's own conditional write): send them in parts",
            scimType="tooMany")


def _apply_members(actor: Actor, queue_id: str, before: list[AgentRecord],
                   wanted: set[str]) -> list[AgentRecord]:
    """Make the queue's members ``wanted`` (``before``: its members as read); the
    members it then has, in account order, without reading them again."""
    had = {record.id: record for record in before}
    _refuse_too_many(len(wanted - set(had)) + len(set(had) - wanted))
    kept = [record for record in before if record.id in wanted]
    added = [_set_membership(actor, agent_id, queue_id, True)
             for agent_id in sorted(wanted - set(had))]
    for agent_id in sorted(set(had) - wanted):
        _set_membership(actor, agent_id, queue_id, False, read=had[agent_id])
    return in_account_order([*kept, *added])


@translated
def create_group(actor: Actor, payload: Any, base: str) -> Answer:
    """``POST /Groups``: a queue with an id made from ``displayName``, then its members."""
    group = parse(ScimGroup, payload, Context.RESOURCE_CREATION_REQUEST)
    _refuse_too_many(len(_member_ids(group)))  # before the queue is created
    name = str(group.display_name)
    for taken in range(1, ID_ATTEMPTS + 1):
        try:
            queue = catalog.create_item(actor, KIND, CatalogCreate(
                id=group_id_of(name, taken), name=name))
            break
        except AlreadyExists:
            continue
    else:
        raise ValidationFailed(f"Too many queues are named like '{name}'",
                               scimType="uniqueness")
    members = _apply_members(actor, queue.id, [], _member_ids(group))
    return _answer(queue, base, members, Context.RESOURCE_CREATION_RESPONSE)


def _rename(actor: Actor, read: catalog.Read, name: str | None) -> CatalogItem:
    """The queue renamed at the revision read (as read when the name is the same); if
    it changed since (a member added elsewhere bumps it), read again as the catalogue
    does on its own."""
    queue = read.item
    if name is None or name == queue.name:
        return queue
    try:
        return catalog.update_item(actor, KIND, queue.id, CatalogPatch(name=name), read=read)
    except ConcurrentChange:
        return catalog.update_item(actor, KIND, queue.id, CatalogPatch(name=name))


@translated
def replace_group(actor: Actor, queue_id: str, payload: Any, base: str) -> Answer:
    """``PUT /Groups/{id}``: the name, and exactly the members given."""
    group = parse(ScimGroup, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    read = catalog.read_item(KIND, queue_id)
    queue = _rename(actor, read, group.display_name)
    members = _apply_members(actor, queue_id, members_of(queue_id), _member_ids(group))
    return _answer(queue, base, members)


@translated
def patch_group(actor: Actor, queue_id: str, payload: Any, base: str) -> Answer:
    """``PATCH /Groups/{id}`` (members added, removed with ``members[value eq "..."]``
    or replaced; the name replaced): ``200`` with the whole Group."""
    patch = parse(PatchOp[ScimGroup], payload, Context.RESOURCE_PATCH_REQUEST)
    read = catalog.read_item(KIND, queue_id)
    before = members_of(queue_id)
    group = group_of(read.item, base, before)
    patch.patch(group, scim_policy=POLICY)
    queue = _rename(actor, read, group.display_name)
    members = _apply_members(actor, queue_id, before, _member_ids(group))
    return _answer(queue, base, members)


@translated
def delete_group(actor: Actor, queue_id: str) -> None:
    """``DELETE /Groups/{id}``: every membership removed first (deprovisioned agents'
    too), then the queue at the revision read before its members were (read and checked
    again if it changed since)."""
    read = catalog.read_item(KIND, queue_id)
    for record in members_of(queue_id, hidden=True):
        _set_membership(actor, record.id, queue_id, False, hidden=True, read=record)
    try:
        catalog.delete_item(actor, KIND, queue_id, read=read)
    except ConcurrentChange:  # changed since: read and checked for uses again
        catalog.delete_item(actor, KIND, queue_id)
