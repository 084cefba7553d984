"""SCIM Groups: Roster's queues (API.md "Provisioning tokens and SCIM 2.0").

Group <-> queue: ``id`` = the queue's id, ``displayName`` = its name, ``members`` = the
agents whose ``queues`` hold it (read from the queue's ``REF#queues#<id>`` partition,
deprovisioned agents left out). A Group created through SCIM gets an id made from its
``displayName`` (lower-cased, every other character ``-``, a ``-2``, ``-3``... suffix
until it is free). Membership changes are agent changes: each goes through
``agents.update_agent`` (dominance, audit) conditional on the version read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scim2_models import Context, GroupMember, ListResponse, Meta, PatchOp

from roster import clock
from roster.authorization import Actor
from roster.errors import AlreadyExists, NotFound, ValidationFailed, VersionConflict
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


def members_of(queue_id: str, *, hidden: bool = False) -> Iterator[str]:
    """The ids of the agents in the queue (deprovisioned ones too when ``hidden``)."""
    return (record.id for record in visible_agents(AgentFilter(queue=queue_id),
                                                   hidden=hidden))


def group_of(queue: CatalogItem, base: str, *, members: bool = True) -> ScimGroup:
    data = queue.model_dump()
    return ScimGroup(
        id=queue.id, display_name=queue.name,
        members=([GroupMember(value=agent_id, ref=f"{base}/Users/{agent_id}", type="User")
                  for agent_id in members_of(queue.id)] or None) if members else None,
        meta=Meta(resource_type="Group", created=clock.parse(data["createdAt"]),
                  last_modified=clock.parse(data["updatedAt"]),
                  location=f"{base}/Groups/{queue.id}"),
    )


def _wants_members(attributes: list[str] | None, excluded: list[str] | None) -> bool:
    """Whether the answer shows ``members`` (reading them costs a query per 100)."""
    if excluded and any(name.lower() == "members" for name in excluded):
        return False
    return not attributes or any(name.lower().startswith("members") for name in attributes)


def _answer(queue: CatalogItem, base: str, context: Context = Context.RESOURCE_QUERY_RESPONSE,
            *, attributes: list[str] | None = None,
            excluded: list[str] | None = None) -> Answer:
    group = group_of(queue, base, members=_wants_members(attributes, excluded))
    return Answer(render(group, context, attributes=attributes, excluded=excluded),
                  location=f"{base}/Groups/{queue.id}")


# ---------------------------------------------------------------------- reads
@translated
def get_group(queue_id: str, base: str, *, attributes: list[str] | None = None,
              excluded: list[str] | None = None) -> Answer:
    return _answer(catalog.get_item(KIND, queue_id), base, attributes=attributes,
                   excluded=excluded)


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
        group = group_of(queue, base, members=needs_members)
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


def _set_membership(actor: Actor, agent_id: str, queue_id: str, member: bool, *,
                    hidden: bool = False) -> None:
    """Add the queue to (or take it from) the agent's ``queues``, conditional on the
    version read (read again when a concurrent change got in first)."""
    for attempt in range(MEMBER_RETRIES):
        try:
            record = agents.get_agent(agent_id)
        except NotFound:
            raise ValidationFailed(f"members: there is no User {agent_id}",
                                   scimType="invalidValue") from None
        if record.deprovisionedAt is not None and not hidden:
            raise ValidationFailed(f"members: there is no User {agent_id}",
                                   scimType="invalidValue")
        queues = [queue for queue in record.queues if queue != queue_id]
        if member:
            queues.append(queue_id)
        if queues == record.queues:
            return
        try:
            agents.update_agent(actor, agent_id, UpdateAgentRequest(queues=queues),
                                f'"{record.version}"')
            return
        except VersionConflict:
            if attempt == MEMBER_RETRIES - 1:
                raise


def _apply_members(actor: Actor, queue_id: str, before: set[str], after: set[str]) -> None:
    for agent_id in sorted(after - before):
        _set_membership(actor, agent_id, queue_id, True)
    for agent_id in sorted(before - after):
        _set_membership(actor, agent_id, queue_id, False)


@translated
def create_group(actor: Actor, payload: Any, base: str) -> Answer:
    """``POST /Groups``: a queue with an id made from ``displayName``, then its members."""
    group = parse(ScimGroup, payload, Context.RESOURCE_CREATION_REQUEST)
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
    _apply_members(actor, queue.id, set(), _member_ids(group))
    return _answer(queue, base, Context.RESOURCE_CREATION_RESPONSE)


def _rename(actor: Actor, queue: CatalogItem, name: str | None) -> CatalogItem:
    if name is None or name == queue.name:
        return queue
    return catalog.update_item(actor, KIND, queue.id, CatalogPatch(name=name))


@translated
def replace_group(actor: Actor, queue_id: str, payload: Any, base: str) -> Answer:
    """``PUT /Groups/{id}``: the name, and exactly the members given."""
    group = parse(ScimGroup, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    queue = catalog.get_item(KIND, queue_id)
    queue = _rename(actor, queue, group.display_name)
    _apply_members(actor, queue_id, set(members_of(queue_id)), _member_ids(group))
    return _answer(queue, base)


@translated
def patch_group(actor: Actor, queue_id: str, payload: Any, base: str) -> Answer:
    """``PATCH /Groups/{id}`` (members added, removed with ``members[value eq "..."]``
    or replaced; the name replaced): ``200`` with the whole Group."""
    patch = parse(PatchOp[ScimGroup], payload, Context.RESOURCE_PATCH_REQUEST)
    queue = catalog.get_item(KIND, queue_id)
    group = group_of(queue, base)
    before = _member_ids(group)
    patch.patch(group, scim_policy=POLICY)
    queue = _rename(actor, queue, group.display_name)
    _apply_members(actor, queue_id, before, _member_ids(group))
    return _answer(queue, base)


@translated
def delete_group(actor: Actor, queue_id: str) -> None:
    """``DELETE /Groups/{id}``: every membership removed first, then the queue."""
    catalog.get_item(KIND, queue_id)
    for agent_id in list(members_of(queue_id, hidden=True)):  # deprovisioned ones too
        _set_membership(actor, agent_id, queue_id, False, hidden=True)
    catalog.delete_item(actor, KIND, queue_id)
