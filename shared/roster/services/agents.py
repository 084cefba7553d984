"""Agent records: creation, listings, updates, group moves, queue status, photos.

Every change is one transaction with its audit event (and outbox message), made by the
agent store (``roster.ports.agents``); this module holds the rules: what protects the
owner, which references must exist, what a password mode means. Who may act on which
agent, and grant which role, is ``roster.authorization``'s to decide.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Literal

from roster import clock, cursor, password_policy, passwords
from roster.authorization import Act, Actor, authorize, authorize_role_grant
from roster.config import get_settings
from roster.errors import (
    AgentLoggedOn,
    ConcurrentChange,
    EmailTaken,
    ImmutableField,
    NotFound,
    OwnerProtected,
    RosterError,
    UnknownReference,
    ValidationFailed,
    VersionConflict,
)
from roster.models.agent import (
    REFERENCE_FIELDS,
    Agent,
    AgentRecord,
    PropertyValue,
    reference_values,
)
from roster.models.agents_api import (
    AgentPage,
    CreateAgentRequest,
    CreatedAgent,
    PhotoRequest,
    PhotoUpload,
    UpdateAgentRequest,
    UpdateMeRequest,
)
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.models.outbox import OutboxMessage
from roster.permissions import ADMIN_ROLE
from roster.ports.agents import AgentFilter, CatalogData, CatalogRef, agent_store
from roster.ports.imports import RowMark

PasswordMode = Literal["set", "generate", "invite"]
UPDATE_RETRIES = 3
LIST_SCOPE = "AGENTS"  # what a listing's cursor is bound to
_REFERENCE_NOUNS = {"roles": "role", "queues": "queue", "skills": "skill",
                    "profiles": "skill profile", "groups": "group"}


# ---------------------------------------------------------------------- views
def group_properties(record: AgentRecord) -> dict[str, PropertyValue]:
    if not record.groupId:
        return {}
    group = agent_store().get_catalog_item("groups", record.groupId)
    return dict(group.get("properties", {})) if group else {}


def agent_view(record: AgentRecord, *,
               groups: dict[CatalogRef, CatalogData] | None = None) -> Agent:
    """The contract's resource: the record plus ``effectiveProperties`` and ``photoUrl``.

    ``groups`` are catalogue items already read (saves the group's round trip).
    """
    from roster.services import photos

    if groups is not None and record.groupId:
        group = groups.get(("groups", record.groupId)) or {}
        properties: dict[str, PropertyValue] = dict(group.get("properties", {}))
    else:
        properties = group_properties(record)
    return Agent.from_record(record, group_properties=properties,
                             photo_url=photos.photo_url(record.photoKey))


def agent_views(records: list[AgentRecord]) -> list[Agent]:
    """Views of a page of agents: their groups are read in one round trip."""
    groups = agent_store().catalog_items(
        sorted({("groups", r.groupId) for r in records if r.groupId}))
    return [agent_view(record, groups=groups) for record in records]


def etag(record: AgentRecord | Agent) -> str:
    return f'"{record.version}"'


def welcome_message(record: AgentRecord, mode: PasswordMode,
                    temporary_password: str | None) -> OutboxMessage:
    """The account-details email; a generated password travels sealed, never in clear."""
    template = {"generate": "welcome.temporary", "set": "welcome.set",
                "invite": "welcome.invite"}[mode]
    return OutboxMessage(
        channel="email",
        to=record.email,
        template=template,
        language=record.language,
        agentId=record.id,
        params={"firstName": record.firstName, "account": record.account,
                "email": record.email},
        secret_params=(
            {"temporaryPassword": temporary_password} if temporary_password else {}
        ),
    )


# ---------------------------------------------------------------------- references
def require_references(record: AgentRecord,
                       new: Iterable[tuple[str, str]] | None = None, *,
                       known: dict[CatalogRef, CatalogData] | None = None,
                       ) -> dict[CatalogRef, CatalogData]:
    """Read every catalogue item ``record`` refers to (one round trip, none when
    ``known`` holds every item read for a batch); raise ``422 unknown_reference`` naming
    each of ``new`` (default: all) that does not exist."""
    wanted = sorted(reference_values(record))
    found = (agent_store().catalog_items(wanted) if known is None
             else {pair: known[pair] for pair in wanted if pair in known})
    checked = set(wanted if new is None else new)
    missing = [pair for pair in wanted if pair in checked and pair not in found]
    if missing:
        raise UnknownReference(
            "Unknown " + ", ".join(f"{_REFERENCE_NOUNS[k]} '{v}'" for k, v in missing),
            errors=[{"field": REFERENCE_FIELDS[kind],
                     "message": f"unknown {_REFERENCE_NOUNS[kind]} '{value}'"}
                    for kind, value in missing],
        )
    return found


# ---------------------------------------------------------------------- create
@dataclass(frozen=True)
class Created:
    agent: Agent
    temporary_password: str | None
    replayed: bool

    def body(self) -> CreatedAgent:
        return CreatedAgent(**dict(self.agent), temporaryPassword=self.temporary_password)


def create_agent(actor: Actor, request: CreateAgentRequest,
                 idempotency_key: str | None = None) -> Created:
    """Create an agent; with an ``Idempotency-Key`` a retry gets the first answer.

    A replay answers the agent as first created but never the temporary password
    again: it is not stored anywhere in clear (the welcome email carries it sealed).
    """
    if idempotency_key is None:
        agent, password = _create(actor, request)
        return Created(agent, password, replayed=False)
    from roster.services import idempotency

    generated: list[str] = []

    def action() -> dict[str, Any]:
        agent, password = _create(actor, request)
        if password is not None:
            generated.append(password)
        return agent.model_dump(mode="json")

    # The password takes no part in the comparison: not even a hash of it is stored.
    payload = request.model_dump(mode="json", exclude={"password"})
    result, replayed = idempotency.run_once("agents", f"{actor.id}:{idempotency_key}",
                                            payload, action)
    return Created(Agent.model_validate(result), generated[0] if generated else None,
                   replayed)


def new_record(request: CreateAgentRequest) -> AgentRecord:
    """The record ``request`` creates (a new id; nothing read or written)."""
    mode = request.effective_password_mode
    stamp = clock.iso(clock.now())
    temporary = mode == "generate" or (mode == "set" and request.forcePasswordChange)
    status = "none" if mode == "invite" else ("temporary" if temporary else "set")
    fields = request.model_dump(exclude={"passwordMode", "password", "forcePasswordChange",
                                         "sendWelcome", "alias"})
    alias = request.alias or f"{request.firstName} {request.lastName}".strip()
    return AgentRecord(id=str(uuid.uuid4()), alias=alias, passwordStatus=status,
                       createdAt=stamp, updatedAt=stamp, **fields)


def check_creatable(actor: Actor, record: AgentRecord, *,
                    catalog: dict[CatalogRef, CatalogData] | None = None,
                    ) -> dict[CatalogRef, CatalogData]:
    """The references exist and ``actor`` may grant every role (privilege dominance);
    the catalogue items read (``catalog``: already read for a batch of rows)."""
    found = require_references(record, known=catalog)
    authorize_role_grant(actor, record.roles, found)
    return found


def create_provisioned(actor: Actor, request: CreateAgentRequest,
                       external_id: str | None) -> AgentRecord:
    """An agent created by identity provisioning (SCIM), with the provider's own id of it
    (``externalId``, unique through its guard); every rule of ``POST /agents`` holds."""
    agent, _ = _create(actor, request, external_id=external_id)
    return AgentRecord.model_validate({**agent.model_dump(), "externalId": external_id})


def _create(actor: Actor, request: CreateAgentRequest, *,
            catalog: dict[CatalogRef, CatalogData] | None = None,
            row: RowMark | None = None,
            external_id: str | None = None) -> tuple[Agent, str | None]:
    """``catalog``: the catalogue items already read for a batch of rows (the write
    still checks that each exists); ``row``: the import row this creation is the outcome
    of, written with it (``RowAlreadyDone`` when an earlier delivery wrote it)."""
    mode = request.effective_password_mode
    if mode == "set":
        assert request.password is not None
        password_policy.check(request.password, account=request.account, email=request.email)
    record = new_record(request).model_copy(update={"externalId": external_id})
    found = check_creatable(actor, record, catalog=catalog)
    expiry = clock.iso(clock.parse(record.createdAt)
                       + timedelta(seconds=get_settings().temp_password_ttl_seconds))
    temporary = record.passwordStatus == "temporary"
    generated = passwords.generate_password() if mode == "generate" else None
    secret = request.password if mode == "set" else generated
    credential = None if secret is None else PasswordCredential(
        hash=passwords.hash_password(secret), temporary=temporary, setAt=record.createdAt,
        expiresAt=expiry if temporary else None)
    details: dict[str, Any] = {"account": record.account, "roles": record.roles,
                               "passwordMode": mode, "welcome": request.sendWelcome}
    if row is not None:
        details["importId"] = row.import_id
        row = replace(row, agent_id=record.id)
    audit = AuditEvent(actorId=actor.id, action="agent.created", targetId=record.id,
                       details=details)
    messages = [welcome_message(record, mode, generated)] if request.sendWelcome else []
    agent_store().create_agent(record, password=credential, audit=[audit],
                               messages=messages, row=row)
    return agent_view(record, groups=found), generated


def create_imported(actor: Actor, request: CreateAgentRequest, row: RowMark,
                    catalog: dict[CatalogRef, CatalogData]) -> None:
    """An agent from an import row: every rule of ``POST /agents``, with the row's
    marker and counter in the same transaction (``roster.services.imports``)."""
    _create(actor, request, catalog=catalog, row=row)


# ---------------------------------------------------------------------- read
def get_agent(agent_id: str) -> AgentRecord:
    record = agent_store().get_agent(agent_id)
    if record is None:
        raise NotFound("No such agent")
    return record


def list_agents(*, limit: int, page_cursor: str | None, q: str | None,
                wanted: AgentFilter) -> AgentPage:
    """A page ordered by account of the agents ``wanted`` and ``q`` accept (the store
    reads the most selective of the filters)."""
    after = cursor.after(page_cursor, LIST_SCOPE)
    wanted = replace(wanted, q=(q or "").strip())
    if wanted.q and not wanted.terms:
        raise ValidationFailed("q has no letter or digit to search for",
                               errors=[{"field": "q", "message": "Needs a letter or digit"}])
    records, last = agent_store().agent_page(wanted, limit=limit, after=after)
    return AgentPage(items=agent_views(records),
                     nextCursor=cursor.next_after(last, LIST_SCOPE))


def numeric_ids() -> list[int]:
    return agent_store().numeric_ids()


# ---------------------------------------------------------------------- change
IF_MATCH_VERSION = re.compile(r'"(?P<version>[0-9]{1,18})"')


def parse_if_match(value: str) -> int:
    """A quoted version of at most 18 ASCII digits (``"3"``, the ``ETag`` as given);
    anything else can never match (``412``, API.md v2): a weak tag (``W/"3"``) never
    matches under ``If-Match``'s strong comparison (RFC 9110), a bare ``3`` is no
    entity tag. ``str.isdigit`` would take ``²`` (which ``int`` refuses) and any length
    (``int`` refuses more than 4,300 digits): both were a ``500``."""
    match = IF_MATCH_VERSION.fullmatch(value.strip())
    if match is None:
        raise VersionConflict("If-Match does not name a version of this agent")
    return int(match["version"])


@dataclass(frozen=True)
class Changed:
    """A changed agent, with the catalogue items read on the way (saves the view's
    group read)."""

    record: AgentRecord
    catalog: dict[CatalogRef, CatalogData] | None = None

    def view(self) -> Agent:
        return agent_view(self.record, groups=self.catalog)


def change_agent(actor: Actor, record: AgentRecord, changes: dict[str, Any], *,
                 expected_version: int, conflict: RosterError | None = None,
                 action: str = "agent.updated",
                 messages: Callable[[dict[str, Any]], list[OutboxMessage]] | None = None,
                 ) -> Changed:
    """Apply a partial change under the rules every route shares; no-op when nothing
    actually changes (no write, no new version). Whether ``actor`` may act on ``record``
    at all is decided before (``_with_retries``); the roles it adds are checked here.
    ``messages`` builds, from what actually changed, the outbox messages written in the
    change's transaction."""
    merged = AgentRecord.model_validate({**record.model_dump(), **changes})
    before, after = record.model_dump(mode="json"), merged.model_dump(mode="json")
    changed = {name: getattr(merged, name) for name in changes
               if before.get(name) != after.get(name)}
    if not changed:
        return Changed(record)
    if record.isOwner and (not merged.active or ADMIN_ROLE not in merged.roles):
        raise OwnerProtected("The owner cannot be deactivated or lose the admin role")
    if "groupId" in changed and record.queueStatus == "logged_on":
        raise AgentLoggedOn("Log the agent off its queues before moving it to another group")
    added = reference_values(merged) - reference_values(record)
    catalog = require_references(merged, added) if added else None
    if "roles" in changed:
        authorize_role_grant(actor, set(merged.roles) - set(record.roles), catalog or {})
    deactivated = record.active and not merged.active
    if merged.active and record.deprovisionedAt is not None:
        changed["deprovisionedAt"] = None  # reactivated: no longer deprovisioned
    if deactivated and record.queueStatus == "logged_on":
        # Nobody could log it off any more (it cannot sign in): deactivation does.
        changed.update(queueStatus="logged_off", activeProfileId=None)
    audit = AuditEvent(actorId=actor.id, action=action, targetId=record.id,
                       details={"fields": sorted(changed),
                                **({"roles": merged.roles} if "roles" in changed else {}),
                                **({"sessionsRevoked": True} if deactivated else {})})
    return Changed(agent_store().update_agent(record, changed,
                                           expected_version=expected_version,
                                           conflict=conflict, revoke_sessions=deactivated,
                                           audit=[audit],
                                           messages=messages(changed) if messages else ()),
                   catalog)


def _with_retries(agent_id: str, if_match: str | None,
                  apply: Callable[[AgentRecord, int, RosterError], Changed], *,
                  acting: tuple[Actor, Act | Callable[[AgentRecord], Act]] | None = None,
                  read: AgentRecord | None = None) -> Changed:
    """Run ``apply(record, expected, conflict)`` on a fresh read; with ``If-Match`` once
    (a stale one is ``412``), without it retried when a concurrent write got in first.

    ``acting``: the actor and what it does, authorized on each fresh read (the write's
    condition on ``expected`` holds the target to what was checked). ``read``: the
    agent as the caller just read it, used instead of the first read.
    """
    if if_match is not None and if_match.strip() == "*":  # any current version (RFC 9110)
        if_match = None
    expected_by_caller = parse_if_match(if_match) if if_match is not None else None
    for attempt in range(UPDATE_RETRIES):
        record = (read if attempt == 0 and read is not None and read.id == agent_id
                  else get_agent(agent_id))
        if acting is not None:
            actor, act = acting
            authorize(actor, record, act if isinstance(act, Act) else act(record))
        if expected_by_caller is not None:
            if expected_by_caller != record.version:
                raise VersionConflict()
            return apply(record, record.version, VersionConflict())
        try:
            return apply(record, record.version, ConcurrentChange())
        except ConcurrentChange:
            if attempt == UPDATE_RETRIES - 1:
                raise
    raise ConcurrentChange()  # pragma: no cover - the loop returns or raises


# Read-only fields derived at every read (a presigned URL is new each time): sent back,
# they are never compared.
DERIVED_FIELDS = frozenset({"effectiveProperties", "photoUrl"})


def refuse_immutable_changes(record: AgentRecord, sent: dict[str, Any]) -> None:
    """``422 immutable_field`` for each read-only field sent with another value than the
    agent's; equal values (the GET → edit → PATCH loop) are ignored (API.md v2)."""
    current = record.model_dump(mode="json")
    changed = [name for name, value in sent.items()
               if name not in DERIVED_FIELDS and value != current.get(name)]
    if changed:
        raise ImmutableField(
            "These fields cannot be changed: " + ", ".join(changed),
            errors=[{"field": name, "message": "cannot be changed"} for name in changed])


def update_agent(actor: Actor, agent_id: str, request: UpdateAgentRequest,
                 if_match: str | None, *, internal: dict[str, Any] | None = None,
                 read: AgentRecord | None = None) -> Changed:
    """``internal``: fields of the record outside the resource that identity provisioning
    keeps up to date (``externalId``), changed in the same write. ``read``: the agent as
    the caller read it to build ``request`` (SCIM), not read again; authorized and
    compared with ``if_match`` like a fresh read."""
    immutable = request.immutable_sent()
    changes = {**request.changes(), **(internal or {})}
    sent = dict(changes)  # ``_update`` takes the email out of ``changes``

    def act_on(record: AgentRecord) -> Act:
        refuse_immutable_changes(record, immutable)
        return act_of(record, sent)

    return _update(actor, agent_id, changes, if_match, acting=(actor, act_on), read=read)


SIGN_IN_SETTINGS = ("phone", "mobilePhone", "ipAllowlist")


def act_of(record: AgentRecord, changes: dict[str, Any]) -> Act:
    """What a ``PATCH`` does to ``record``, by the fields it really changes (values sent
    back unchanged change nothing): the email, the sign-in settings, or the rest."""
    email = changes.get("email")
    if email is not None and email.lower() != record.email.lower():
        return Act.EMAIL
    if any(name in changes and changes[name] != getattr(record, name)
           for name in SIGN_IN_SETTINGS):
        return Act.SIGN_IN_SETTINGS
    return Act.MANAGE


def update_me(agent_id: str, request: UpdateMeRequest, if_match: str | None, *,
              source_ip: str) -> Changed:
    """``PATCH /me``. ``email``, ``phone`` and ``mobilePhone`` need the current password
    (``services.sign_in.reauth``); a phone change notifies the old email and old numbers in the
    same write; an email change never tells whether the address is another agent's."""
    guarded = request.reauthenticated_fields()
    if guarded:
        if request.currentPassword is None:
            raise ValidationFailed(
                "currentPassword is required to change " + ", ".join(guarded),
                errors=[{"field": "currentPassword",
                         "message": "is required with " + ", ".join(guarded)}])
        from roster.services.sign_in.reauth import reauthenticate

        _, password = agent_store().load_credentials(agent_id)
        reauthenticate(agent_id, request.currentPassword, password, source_ip=source_ip,
                       action="agent.reauthentication_failed", step="profile_change")
    changes = request.changes()
    email = changes.pop("email", None)

    def apply(record: AgentRecord, expected: int, conflict: RosterError) -> Changed:
        return change_agent(Actor(agent_id, frozenset()), record, changes,
                            expected_version=expected, conflict=conflict,
                            messages=lambda changed: phone_change_notices(record, changed))

    result = _with_retries(agent_id, if_match, apply)
    if email is not None and email.lower() != result.record.email.lower():
        from roster.services import email_change

        with stale_without_if_match_is_concurrent(if_match):
            result = Changed(email_change.start_change(agent_id, result.record, email,
                                                       self_service=True), result.catalog)
    return result


@contextmanager
def stale_without_if_match_is_concurrent(if_match: str | None) -> Iterator[None]:
    """An email change writes after the other fields, conditional on the version they
    left: when it lost a race the caller did not pin with ``If-Match``, that is ``409
    concurrent_change`` (retry), not ``412`` (API.md: 412 is for a stale ``If-Match``)."""
    try:
        yield
    except VersionConflict:
        if if_match is not None and if_match.strip() != "*":
            raise
        raise ConcurrentChange("The agent changed meanwhile; try again") from None


PHONE_FIELDS = ("phone", "mobilePhone")


def phone_change_notices(record: AgentRecord, changed: dict[str, Any]) -> list[OutboxMessage]:
    """A self-service phone change is told to the old email and the old numbers (someone
    with a stolen session must not quietly redirect SMS recovery)."""
    if not any(name in changed for name in PHONE_FIELDS):
        return []
    from roster.services.sign_in.credentials import readable

    params = {"firstName": record.firstName, "account": record.account,
              "changedAt": readable(clock.iso(clock.now()))}
    recipients: dict[str, Literal["email", "sms"]] = {record.email: "email"}
    for name in PHONE_FIELDS:
        old = getattr(record, name)
        if name in changed and old:
            recipients.setdefault(old, "sms")
    return [OutboxMessage(channel=channel, to=address, template="phone.changed",
                          language=record.language, agentId=record.id, params=params)
            for address, channel in recipients.items()]


def _update(actor: Actor, agent_id: str, changes: dict[str, Any], if_match: str | None, *,
            acting: tuple[Actor, Callable[[AgentRecord], Act]] | None,
            read: AgentRecord | None = None) -> Changed:
    email = changes.pop("email", None)

    def apply(record: AgentRecord, expected: int, conflict: RosterError) -> Changed:
        if email is not None and email.lower() != record.email.lower():
            owner = agent_store().find_agent_id(email)
            if owner is not None and owner != record.id:
                raise EmailTaken()
        return change_agent(actor, record, changes, expected_version=expected,
                            conflict=conflict)

    result = _with_retries(agent_id, if_match, apply, acting=acting, read=read)
    if email is not None and email.lower() != result.record.email.lower():
        from roster.services import email_change

        with stale_without_if_match_is_concurrent(if_match):
            result = Changed(email_change.start_change(actor.id, result.record, email),
                             result.catalog)
    return result


def set_group(actor: Actor, agent_id: str, group_id: str | None) -> Changed:
    """Move to another group; the agent's own property values stay as they are."""

    def apply(record: AgentRecord, expected: int, conflict: RosterError) -> Changed:
        if record.queueStatus == "logged_on":
            raise AgentLoggedOn("Log the agent off its queues before moving it")
        return change_agent(actor, record, {"groupId": group_id}, expected_version=expected,
                            conflict=conflict, action="agent.group_changed")

    return _with_retries(agent_id, None, apply, acting=(actor, Act.MANAGE))


def log_off(actor: Actor, agent_id: str) -> Changed:
    """An administrator logs an agent off its queues, so that it can be deleted or moved
    to another group (audited as ``agent.logged_off``; already off: nothing written)."""

    def apply(record: AgentRecord, expected: int, conflict: RosterError) -> Changed:
        return change_agent(actor, record, {"queueStatus": "logged_off", "activeProfileId": None},
                            expected_version=expected, conflict=conflict,
                            action="agent.logged_off")

    return _with_retries(agent_id, None, apply, acting=(actor, Act.MANAGE))


def set_queue_status(agent_id: str, status: Literal["logged_on", "logged_off"],
                     profile_id: str | None) -> Changed:
    """Log on (optionally with one of the agent's or its group's skill profiles) or off."""

    def apply(record: AgentRecord, expected: int, conflict: RosterError) -> Changed:
        if profile_id is not None:
            wanted = [("profiles", profile_id)]
            if record.groupId:
                wanted.append(("groups", record.groupId))
            found = agent_store().catalog_items(wanted)
            group = found.get(("groups", record.groupId or ""), {})
            allowed = set(record.profiles) | set(group.get("profiles", []))
            if profile_id not in allowed or ("profiles", profile_id) not in found:
                raise UnknownReference(
                    f"Skill profile '{profile_id}' is not one this agent may use",
                    errors=[{"field": "profileId",
                             "message": "not one of the agent's or its group's profiles"}])
        return change_agent(Actor(agent_id, frozenset()), record,
                            {"queueStatus": status, "activeProfileId": profile_id},
                            expected_version=expected, conflict=conflict,
                            action="agent.queue_status_changed")

    return _with_retries(agent_id, None, apply)


# ---------------------------------------------------------------------- photos
def start_photo_upload(actor: Actor, agent_id: str, request: PhotoRequest) -> PhotoUpload:
    """A presigned upload to a new key; the agent points at it from now on and the
    previous photo is deleted."""
    from roster.services import photos

    key = photos.photo_key(agent_id, request.contentType)
    _point_photo_at(actor, agent_id, key, "agent.photo_changed")
    return photos.presign_upload(key, request.contentType, request.contentLength)


def put_photo(actor: Actor, agent_id: str, body: bytes, *, content_type: str | None,
              ) -> Changed:
    """The image itself, sent through the API (``PUT .../photo``: the web app's CSP lets a
    browser reach only its own origin): checked by its first bytes, kept under a new key,
    and the agent pointed at it as ``start_photo_upload`` does. When the agent is not
    changed (unknown, not the actor's to manage, any failure) the new object is deleted."""
    from roster.services import photos

    media = photos.checked_image(body, content_type)
    key = photos.photo_key(agent_id, media)
    photos.store(key, body, media)
    try:
        return _point_photo_at(actor, agent_id, key, "agent.photo_changed")
    except Exception:  # refused, or the table failed: nothing points at it, none kept
        photos.delete_photo(key)
        raise


def delete_photo(actor: Actor, agent_id: str) -> None:
    _point_photo_at(actor, agent_id, None, "agent.photo_removed")


def _point_photo_at(actor: Actor, agent_id: str, key: str | None, action: str) -> Changed:
    """Set the agent's photo key (audited as ``action``), then delete the photo it replaced."""
    from roster.services import photos

    previous: list[str] = []

    def apply(record: AgentRecord, expected: int, conflict: RosterError) -> Changed:
        previous[:] = [record.photoKey] if record.photoKey else []
        return change_agent(actor, record, {"photoKey": key}, expected_version=expected,
                            conflict=conflict, action=action)

    changed = _with_retries(agent_id, None, apply, acting=(actor, Act.MANAGE))
    for old in previous:
        photos.delete_photo(old)
    return changed
