"""``AgentStore`` in memory, with the adapter's conditions and errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from roster import clock
from roster.errors import (
    AccountTaken,
    ConcurrentChange,
    EmailTaken,
    ExternalIdTaken,
    HasAssignments,
    InvalidReassignTarget,
    NumericIdTaken,
    RosterError,
    RowAlreadyDone,
    UnknownReference,
    VersionConflict,
)
from roster.models import search
from roster.models.agent import REFERENCE_FIELDS, AgentRecord, reference_values
from roster.models.agents_api import Assignment
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.models.outbox import OutboxMessage
from roster.permissions import BUILT_IN_ROLES
from roster.ports.agents import AgentFilter, CatalogData, CatalogRef
from roster.ports.imports import RowMark
from roster.repository.agents import MOVE_BATCH

from support.fakes.imports import apply_row
from support.fakes.world import World


class MemoryAgentStore:
    def __init__(self, world: World) -> None:
        self.world = world

    # ------------------------------------------------------------------ checks
    def _require_catalog(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Each used catalogue item exists (built-in roles always do), and its revision
        moves: a delete that checked 'not in use' before this fails."""
        wanted = [(kind, value) for kind, value in sorted(pairs)
                  if not (kind == "roles" and value in BUILT_IN_ROLES)]
        for kind, value in wanted:
            if (kind, value) not in self.world.catalog:
                raise UnknownReference(
                    f"There is no item '{value}' in {kind}",
                    errors=[{"field": REFERENCE_FIELDS[kind],
                             "message": f"'{value}' does not exist"}])
        for pair in wanted:
            data, revision = self.world.catalog[pair]
            self.world.catalog[pair] = (data, revision + 1)

    # ------------------------------------------------------------------ agents
    def create_agent(self, record: AgentRecord, *, password: PasswordCredential | None,
                     audit: Sequence[AuditEvent] = (),
                     messages: Sequence[OutboxMessage] = (),
                     row: RowMark | None = None) -> None:
        world = self.world
        if row is not None and (row.import_id, row.row) in world.import_rows:
            raise RowAlreadyDone()  # the adapter lists the row's marker first
        if world.owner_of(record.account) is not None:
            raise AccountTaken()
        if world.owner_of(record.email) is not None:
            raise EmailTaken()
        if record.numericId is not None and record.numericId in world.numeric_ids:
            raise NumericIdTaken()
        if record.externalId is not None and record.externalId in world.external_ids:
            raise ExternalIdTaken()
        if record.id in world.agents:
            raise ConcurrentChange()
        self._require_catalog(reference_values(record))
        world.claim(record.account, record.id)
        world.claim(record.email, record.id)
        if record.numericId is not None:
            world.numeric_ids[record.numericId] = record.id
        if record.externalId is not None:
            world.external_ids[record.externalId] = record.id
        world.agents[record.id] = record
        if password is not None:
            world.passwords[record.id] = password
        world.record(audit, messages)
        if row is not None:
            apply_row(world, row)

    def get_agent(self, agent_id: str) -> AgentRecord | None:
        return self.world.agents.get(agent_id)

    def find_agent_id(self, login: str) -> str | None:
        return self.world.owner_of(login)

    def load_credentials(self, agent_id: str) -> tuple[AgentRecord | None,
                                                       PasswordCredential | None]:
        return self.world.agents.get(agent_id), self.world.passwords.get(agent_id)

    def write_decoy_profile(self) -> None:
        """Nothing to do: reads take no time here, so there is nothing to equalise."""

    def agent_page(self, wanted: AgentFilter, *, limit: int,
                   after: str | None) -> tuple[list[AgentRecord], str | None]:
        accepted = [record for record in self.world.agents.values() if wanted.accepts(record)]
        if wanted.terms:  # ordered by (matched word, account), an agent once per page
            term = search.driving_term(wanted.terms)
            entries = sorted((f"{word}#{record.account.lower()}#{record.id}", record)
                             for record in accepted for word in search.words(record)
                             if word.startswith(term))
        else:
            entries = sorted((record.account.lower(), record) for record in accepted)
        remaining = [(position, record) for position, record in entries
                     if after is None or position > after]
        page: list[AgentRecord] = []
        for index, (position, record) in enumerate(remaining):
            if record not in page:
                page.append(record)
            if len(page) == limit:
                return page, (position if index < len(remaining) - 1 else None)
        return page, None

    def numeric_ids(self) -> list[int]:
        return sorted(self.world.numeric_ids)

    def update_agent(self, old: AgentRecord, changes: dict[str, Any], *,
                     expected_version: int, conflict: RosterError | None = None,
                     revoke_sessions: bool = False, audit: Sequence[AuditEvent] = (),
                     messages: Sequence[OutboxMessage] = ()) -> AgentRecord:
        world = self.world
        current = world.agents.get(old.id)
        if current is None or current.version != expected_version:
            raise conflict or VersionConflict()
        stamp = clock.iso(clock.now())
        if "mobilePhone" in changes and changes["mobilePhone"] != old.mobilePhone:
            changes = {**changes, "mobilePhoneChangedAt": stamp}
        new = AgentRecord.model_validate({**current.model_dump(), **changes,
                                          "version": current.version + 1,
                                          "updatedAt": stamp})
        if new.numericId != current.numericId and new.numericId is not None \
                and new.numericId in world.numeric_ids:
            raise NumericIdTaken()
        if new.externalId != current.externalId and new.externalId is not None \
                and new.externalId in world.external_ids:
            raise ExternalIdTaken()
        self._require_catalog(reference_values(new) - reference_values(current))
        if current.externalId != new.externalId:
            world.external_ids.pop(current.externalId, None)  # type: ignore[arg-type]
            if new.externalId is not None:
                world.external_ids[new.externalId] = new.id
        if current.numericId != new.numericId:
            world.numeric_ids.pop(current.numericId, None)  # type: ignore[arg-type]
            if new.numericId is not None:
                world.numeric_ids[new.numericId] = new.id
        if revoke_sessions:
            new = new.model_copy(update={"sessionEpoch": current.sessionEpoch + 1})
        world.agents[new.id] = new
        world.record(audit, messages)
        return new

    # ------------------------------------------------------------------ catalogue reads
    def get_catalog_item(self, kind: str, item_id: str) -> CatalogData | None:
        found = self.world.catalog.get((kind, item_id))
        return dict(found[0]) if found else None

    def catalog_items(self, wanted: Sequence[CatalogRef]) -> dict[CatalogRef, CatalogData]:
        return {pair: dict(self.world.catalog[pair][0]) for pair in wanted
                if pair in self.world.catalog}

    # ------------------------------------------------------------------ assignments
    def _count(self, agent_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for key in self.world.assignments.get(agent_id, {}):
            kind = key.split("#", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def add_assignment(self, agent_id: str, kind: str, ref: str,
                       audit: Sequence[AuditEvent], *,
                       expected_version: int | None = None) -> bool:
        self.world.at_version(agent_id, expected_version)
        held = self.world.assignments.setdefault(agent_id, {})
        if f"{kind}#{ref}" in held:
            return False
        held[f"{kind}#{ref}"] = clock.iso(clock.now())
        self.world.record(audit)
        return True

    def remove_assignment(self, agent_id: str, kind: str, ref: str,
                          audit: Sequence[AuditEvent], *,
                          expected_version: int | None = None) -> bool:
        self.world.at_version(agent_id, expected_version)
        if self.world.assignments.get(agent_id, {}).pop(f"{kind}#{ref}", None) is None:
            return False
        self.world.record(audit)
        return True

    def assignment_page(self, agent_id: str, *, limit: int,
                        after: str | None) -> tuple[list[Assignment], str | None]:
        held = self.world.assignments.get(agent_id, {})
        ordered = sorted(key for key in held if after is None or key > after)
        page = ordered[:limit]
        items = [Assignment(kind=key.split("#", 1)[0],  # type: ignore[arg-type]
                            ref=key.split("#", 1)[1], assignedAt=held[key]) for key in page]
        return items, (page[-1] if len(ordered) > limit else None)

    def assignment_counts(self, agent_id: str) -> dict[str, int]:
        return self._count(agent_id)

    def load_for_delete(self, agent_id: str, target_id: str | None,
                        ) -> tuple[AgentRecord | None, dict[str, int], AgentRecord | None]:
        return (self.world.agents.get(agent_id), self._count(agent_id),
                self.world.agents.get(target_id) if target_id else None)

    def move_assignments(self, source_id: str, target_id: str,
                         audit: Callable[[dict[str, int]], AuditEvent]) -> dict[str, int]:
        moved: dict[str, int] = {}
        source = self.world.assignments.get(source_id, {})
        while source:
            target = self.world.agents.get(target_id)
            if target is None or not target.active:
                raise InvalidReassignTarget()
            batch = sorted(source)[:MOVE_BATCH]
            taken: dict[str, int] = {}
            held = self.world.assignments.setdefault(target_id, {})
            for key in batch:
                kind = key.split("#", 1)[0]
                taken[kind] = taken.get(kind, 0) + 1
                held.setdefault(key, source.pop(key))
            self.world.record([audit(taken)])
            for kind, count in taken.items():
                moved[kind] = moved.get(kind, 0) + count
        return moved

    def delete_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None:
        world = self.world
        current = world.agents.get(record.id)
        if current is None or current.queueStatus == "logged_on" \
                or current.version != record.version:
            raise ConcurrentChange("The agent changed meanwhile (logged on, or its roles "
                                   "changed); try again")
        if self._count(record.id):
            raise HasAssignments()
        world.release(record.account, record.id)
        world.release(record.email, record.id)
        if record.pendingEmail is not None:
            world.release(record.pendingEmail.email, record.id)
        if record.numericId is not None:
            world.numeric_ids.pop(record.numericId, None)
        if record.externalId is not None:
            world.external_ids.pop(record.externalId, None)
        for store in (world.agents, world.passwords, world.assignments, world.email_changes):
            store.pop(record.id, None)  # type: ignore[attr-defined]
        world.record(audit)
