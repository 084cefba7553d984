"""SCIM Users: the agents an identity provider creates, reads, replaces, patches and
removes (API.md "Provisioning tokens and SCIM 2.0").

User <-> agent: ``userName`` = ``account``, ``name.givenName``/``familyName`` =
``firstName``/``lastName``, ``displayName`` = ``alias``, the primary (else ``work``,
else first) email = ``email``, phone ``work``/``mobile`` = ``phone``/``mobilePhone``,
``preferredLanguage`` = ``language``, ``roles[].value`` = role ids; ``groupId``,
``numericId``, ``businessUnit``, ``queues``, ``timeFormat`` in the roster extension.

A PATCH is applied by ``scim2-models`` to the agent's SCIM form, and what it changed
is written through ``agents.update_agent`` like an admin's ``PATCH /agents/{id}``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from scim2_models import (
    Context,
    Email,
    InvalidValueException,
    Meta,
    MutabilityException,
    PatchOp,
    PhoneNumber,
    Role,
)

from roster import clock, password_policy
from roster.authorization import Actor
from roster.config import get_settings
from roster.errors import ConcurrentChange, NotFound, VersionConflict
from roster.models.agent import AgentRecord, fold_account, fold_email
from roster.models.agents_api import CreateAgentRequest, UpdateAgentRequest
from roster.models.passwords import AdminPasswordRequest
from roster.models.scim import POLICY, RosterUser, ScimUser, UserName
from roster.services import agents, assignments
from roster.services.scim import (
    MAX_KEY_VALUE,
    Answer,
    if_match_version,
    parse,
    render,
    translated,
    weak_etag,
)
from roster.services.scim.deactivations import count_deactivation

# Roster's field names as SCIM names them, for error messages.
SCIM_NAMES = {
    "account": "userName", "email": "emails", "firstName": "name.givenName",
    "lastName": "name.familyName", "alias": "displayName", "phone": 'phoneNumbers[type eq "work"]',
    "mobilePhone": 'phoneNumbers[type eq "mobile"]', "language": "preferredLanguage",
    "roles": "roles", "title": "title", "active": "active", "groupId": "groupId",
    "numericId": "numericId", "businessUnit": "businessUnit", "queues": "queues",
    "timeFormat": "timeFormat", "password": "password",
}
Request = TypeVar("Request", bound=BaseModel)
UPDATE_RETRIES = 3
ACCOUNT_HINT = ("userName becomes the Roster account: 3-64 of a-z 0-9 . _ - with no '@' "
                "(map Entra ID's mailNickname, or the part of Okta's login before the '@')")


# ---------------------------------------------------------------------- mapping
def user_of(record: AgentRecord, base: str) -> ScimUser:
    """The agent as a SCIM User; ``base`` is the service's URL (``.../scim/v2``)."""
    phones = [PhoneNumber(value=value, type=kind)
              for kind, value in (("work", record.phone), ("mobile", record.mobilePhone))
              if value]
    user = ScimUser(
        id=record.id, external_id=record.externalId, user_name=record.account,
        name=UserName(given_name=record.firstName, family_name=record.lastName or None),
        display_name=record.alias, title=record.title or None,
        preferred_language=record.language, active=record.active,
        emails=[Email(value=record.email, type="work", primary=True)],
        phone_numbers=phones or None, roles=[Role(value=role) for role in record.roles] or None,
        meta=Meta(resource_type="User", created=clock.parse(record.createdAt),
                  last_modified=clock.parse(record.updatedAt),
                  location=f"{base}/Users/{record.id}", version=weak_etag(record.version)),
    )
    user[RosterUser] = RosterUser(
        group_id=record.groupId, numeric_id=record.numericId,
        business_unit=record.businessUnit, queues=list(record.queues),
        time_format=record.timeFormat, password_status=record.passwordStatus,
        is_owner=record.isOwner)
    return user


def _email(user: ScimUser) -> str | None:
    """The primary email, else the ``work`` one, else the first."""
    emails = [email for email in user.emails or [] if email.value]
    for wanted in (lambda e: e.primary is True, lambda e: e.type == "work", lambda e: True):
        for email in emails:
            if wanted(email):
                return str(email.value)
    return None


def _phone(user: ScimUser, kind: str) -> str | None:
    return next((str(phone.value) for phone in user.phone_numbers or []
                 if phone.type == kind and phone.value), None)


def external_id_of(user: ScimUser) -> str | None:
    """``externalId``, 1-254 characters (it is a key in the table)."""
    value = user.external_id
    if value is not None and not 1 <= len(value) <= MAX_KEY_VALUE:
        raise InvalidValueException(detail=f"externalId: 1-{MAX_KEY_VALUE} characters")
    return value


def fields_of(user: ScimUser) -> dict[str, Any]:
    """The agent fields ``user`` states. Core attributes it leaves out are cleared (a
    replacement states the whole User); ``roles`` and the roster extension left out
    are kept (an identity provider that does not know them must not wipe them)."""
    name = user.name or UserName()
    fields: dict[str, Any] = {
        "email": _email(user),
        "firstName": name.given_name or user.display_name or user.user_name,
        "lastName": name.family_name or "",
        "alias": user.display_name or None,
        "phone": _phone(user, "work"),
        "mobilePhone": _phone(user, "mobile"),
        "title": user.title or "",
        "language": user.preferred_language or "en",
    }
    if user.active is not None:
        fields["active"] = user.active
    roles = list(dict.fromkeys(str(role.value) for role in user.roles or [] if role.value))
    if roles:  # none (Entra sends ``[]``): ``agent`` on creation, kept on a change
        fields["roles"] = roles
    extension = user[RosterUser]
    if extension is not None:
        stated = extension.model_fields_set  # removed ones are stated, as None
        for name_, field in (("group_id", "groupId"), ("numeric_id", "numericId"),
                             ("business_unit", "businessUnit"), ("queues", "queues"),
                             ("time_format", "timeFormat")):
            if name_ in stated:
                value = getattr(extension, name_)
                fields[field] = value.value if isinstance(value, Enum) else value
        if "queues" in fields and fields["queues"] is None:
            fields["queues"] = []  # removed: in no queue
        if fields.get("timeFormat") is None:
            fields.pop("timeFormat", None)  # every agent has one: removing keeps it
    return fields


def roster_request(model: type[Request], data: dict[str, Any]) -> Request:
    """``data`` as one of Roster's own requests; its errors named as SCIM names them."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        messages = []
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            name = SCIM_NAMES.get(field, field)
            message = problem["msg"].removeprefix("Value error, ")
            messages.append(f"{name}: {message}" if name else message)
            if field == "account":
                messages.append(ACCOUNT_HINT)
        raise InvalidValueException(detail="; ".join(messages)) from None


def _visible(agent_id: str) -> AgentRecord:
    """The agent, unless it is unknown or deprovisioned (hidden from SCIM: ``404``)."""
    try:
        record = agents.get_agent(agent_id)
    except NotFound:
        record = None
    if record is None or record.deprovisionedAt is not None:
        raise NotFound(f"No User {agent_id}")
    return record


def answer(record: AgentRecord, base: str, *, attributes: list[str] | None = None,
           excluded: list[str] | None = None, context: Context = Context.RESOURCE_QUERY_RESPONSE,
           ) -> Answer:
    user = user_of(record, base)
    return Answer(render(user, context, attributes=attributes, excluded=excluded),
                  etag=weak_etag(record.version),
                  location=str(user.meta.location) if user.meta else None)


# ---------------------------------------------------------------------- routes
@translated
def get_user(agent_id: str, base: str, *, attributes: list[str] | None = None,
             excluded: list[str] | None = None) -> Answer:
    return answer(_visible(agent_id), base, attributes=attributes, excluded=excluded)


@translated
def create_user(actor: Actor, payload: Any, base: str) -> Answer:
    """``POST /Users``: an agent without a password (``passwordStatus: none``) unless
    ``password`` is given; no ``roles`` means ``["agent"]``."""
    user = parse(ScimUser, payload, Context.RESOURCE_CREATION_REQUEST)
    fields = {name: value for name, value in fields_of(user).items() if value is not None}
    request = roster_request(CreateAgentRequest, {
        **fields, "account": user.user_name,
        "passwordMode": "set" if user.password else "invite", "password": user.password,
        # The identity provider chose it (Okta's password sync): not a temporary one.
        "forcePasswordChange": False,
        "sendWelcome": get_settings().scim_send_welcome,
    })
    record = agents.create_provisioned(actor, request, external_id_of(user))
    return answer(record, base, context=Context.RESOURCE_CREATION_RESPONSE)


@translated
def replace_user(actor: Actor, agent_id: str, payload: Any, if_match: str | None,
                 base: str) -> Answer:
    """``PUT /Users/{id}`` (Okta's updates): the whole User; ``userName`` cannot change."""
    user = parse(ScimUser, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    return _change(actor, agent_id, if_match, base, lambda record: user)


@translated
def patch_user(actor: Actor, agent_id: str, payload: Any, if_match: str | None,
               base: str) -> Answer:
    """``PATCH /Users/{id}``: the operations applied to the User as it is (in any case,
    with or without ``path``, value filters in paths), then written as one change;
    ``200`` with the whole User."""
    patch = parse(PatchOp[ScimUser], payload, Context.RESOURCE_PATCH_REQUEST)

    def patched(record: AgentRecord) -> ScimUser:
        user = user_of(record, base)
        patch.patch(user, scim_policy=POLICY)
        return user

    return _change(actor, agent_id, if_match, base, patched)


def _change(actor: Actor, agent_id: str, if_match: str | None, base: str,
            wanted: Callable[[AgentRecord], ScimUser]) -> Answer:
    """Write ``wanted(record)`` over the agent as read, conditional on the version read
    (``If-Match`` pins it: a stale one is ``412``; without one a lost race is read
    again and retried, so nobody's concurrent change is overwritten unseen)."""
    expected = if_match_version(if_match)
    for _ in range(UPDATE_RETRIES):
        record = _visible(agent_id)
        if expected not in (None, "*") and expected != f'"{record.version}"':
            raise VersionConflict()
        user = wanted(record)
        if user.user_name is None or fold_account(user.user_name) != fold_account(record.account):
            raise MutabilityException(detail="userName (the Roster account) cannot be changed")
        try:
            return _write(actor, record, user, base)
        except VersionConflict:
            if expected not in (None, "*"):
                raise
    raise ConcurrentChange()


def _write(actor: Actor, record: AgentRecord, user: ScimUser, base: str) -> Answer:
    """Write what ``user`` changes of ``record`` through the agents service: the
    dominance rule, email verification and session ends apply there."""
    fields = fields_of(user)
    fields.setdefault("roles", record.roles)  # a PUT without roles keeps them
    email = fields.get("email")
    if email is None:
        raise InvalidValueException(detail="emails: an email address is required")
    pending = record.pendingEmail
    if pending is not None and fold_email(email) == fold_email(pending.email):
        fields["email"] = record.email  # already pending: nothing to send again
    if fields.get("alias") is None:
        fields["alias"] = record.alias
    if user.password is not None:
        _check_first_password(record, user.password)
    request = roster_request(UpdateAgentRequest, fields)
    changed = agents.update_agent(actor, record.id, request, f'"{record.version}"',
                                  internal={"externalId": external_id_of(user)})
    current = changed.record
    if record.active and not current.active:
        count_deactivation(actor.id)
    if user.password is not None:
        from roster.services.sign_in.credentials import set_by_admin

        set_by_admin(actor, record.id, AdminPasswordRequest(
            newPassword=user.password, confirmPassword=user.password,
            forcePasswordChange=False), first_only=True)
        current = _visible(record.id)
    return answer(current, base)


def _check_first_password(record: AgentRecord, password: str) -> None:
    """SCIM's ``password`` sets a first password only (API.md v2): an agent that has
    one changes it itself, or through an admin's reset."""
    if record.passwordStatus != "none":
        raise MutabilityException(
            detail="password can only be set for an agent without one (passwordStatus none)")
    password_policy.check(password, account=record.account, email=record.email)


@translated
def delete_user(actor: Actor, agent_id: str) -> None:
    """``DELETE /Users/{id}``: deleted, or deprovisioned when the seed rules forbid a
    delete now (assignments, logged on): inactive, hidden from SCIM from then on."""
    try:
        outcome = assignments.deprovision_or_delete(actor, agent_id,
                                                    deprovisioned_is_gone=True)
    except NotFound as error:
        raise NotFound(f"No User {agent_id}") from error
    if outcome in ("deleted", "deactivated"):  # an agent taken offline, either way
        count_deactivation(actor.id)
