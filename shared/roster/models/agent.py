"""The agent: its stored profile item and the resource the API returns."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal, get_args

from pydantic import ConfigDict, Field

from roster import clock
from roster.models.base import Model

PropertyValue = int | float | str | bool
PasswordStatus = Literal["none", "temporary", "set"]
QueueStatus = Literal["logged_on", "logged_off"]
TimeFormat = Literal["24h", "12h"]
# The kinds of work assigned to an agent (the API's `{kind}`, the counts the repository keeps).
AssignmentKind = Literal["chat", "ticket", "workflow", "view"]
ASSIGNMENT_KINDS: tuple[AssignmentKind, ...] = get_args(AssignmentKind)


# ASCII only: with re.IGNORECASE alone, [a-z] also matches dotless i, dotted I, long s, Kelvin sign.
ACCOUNT_PATTERN = re.compile(r"[a-z0-9._-]{3,64}", re.IGNORECASE | re.ASCII)
_UUID_SHAPE = re.compile(r"[0-9a-f]{32}", re.IGNORECASE | re.ASCII)


def id_shaped(value: str) -> bool:
    """Whether ``value`` has the shape of an agent id (a UUID's 32 hex digits, dashes
    anywhere): never an account, so where either may name an agent, it is an id."""
    return bool(_UUID_SHAPE.fullmatch(value.replace("-", "")))


_ASCII_UPPER_TO_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_email(email: str) -> str:
    """An address as uniqueness and sign-in match it: Unicode NFC (``ü`` typed as one
    character or as ``u`` + a combining diaeresis is one address), then lower case."""
    return unicodedata.normalize("NFC", email).lower()


def fold_account(account: str) -> str:
    """The form accounts are matched in: ASCII letters lower-cased, nothing else changed.

    ``str.lower()`` would map the Kelvin sign to ``k`` (and ``casefold()`` also the long
    s to ``s``), letting a login or a new account that merely looks like another reach it.
    """
    return account.translate(_ASCII_UPPER_TO_LOWER)


class SkillLevel(Model):
    model_config = ConfigDict(extra="forbid")

    skillId: str = Field(min_length=1, max_length=64)
    level: int = Field(ge=1, le=5)


class ChatLimits(Model):
    model_config = ConfigDict(extra="forbid")

    live: int = Field(default=3, ge=0, le=50)
    nrt: int = Field(default=5, ge=0, le=50)


class PendingEmail(Model):
    email: str
    expiresAt: str


class AgentRecord(Model):
    """The profile item as stored (no secrets: those live in items of their own)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    account: str
    email: str
    pendingEmail: PendingEmail | None = None
    firstName: str
    lastName: str = ""
    alias: str
    phone: str | None = None
    mobilePhone: str | None = None
    landlinePhone: str | None = None
    roles: list[str] = Field(default_factory=lambda: ["agent"])
    queues: list[str] = Field(default_factory=list)
    skills: list[SkillLevel] = Field(default_factory=list)
    groupId: str | None = None
    properties: dict[str, PropertyValue] = Field(default_factory=dict)
    active: bool = True
    title: str = ""
    bio: str = ""
    mobileAppEnabled: bool = False
    timeFormat: TimeFormat = "24h"
    language: str = "en"
    businessUnit: str | None = None
    numericId: int | None = None
    maxConcurrentChats: ChatLimits = Field(default_factory=ChatLimits)
    showPhoto: bool = True
    photoKey: str | None = None
    ipAllowlist: list[str] = Field(default_factory=list)
    profiles: list[str] = Field(default_factory=list)
    activeProfileId: str | None = None
    isOwner: bool = False
    twoFactorEnabled: bool = False
    locked: bool = False
    passwordStatus: PasswordStatus = "none"
    queueStatus: QueueStatus = "logged_off"
    lastLoginAt: str | None = None
    createdAt: str
    updatedAt: str
    version: int = 1
    # Internal state, never in the resource.
    sessionEpoch: int = 0
    twoFactorFailures: int = 0
    # When mobilePhone last changed: no SMS recovery code goes to a number changed
    # in the last 24 hours.
    mobilePhoneChangedAt: str | None = None
    # When a provisioning DELETE found the agent could not be deleted (assignments, logged
    # on) and deactivated it instead: hidden from SCIM, listed for admins to reassign.
    deprovisionedAt: str | None = None

    @property
    def deprovisioned(self) -> bool | None:
        """``True`` when deprovisioned, else unset: only deprovisioned agents are in the
        ``REF#deprovisioned#true`` partition (``GET /agents?deprovisioned=true``)."""
        return True if self.deprovisionedAt else None


INTERNAL_FIELDS = {"photoKey", "sessionEpoch", "twoFactorFailures", "mobilePhoneChangedAt"}

# The catalogue kinds an agent refers to, and the field of the agent naming each.
REFERENCE_FIELDS = {"roles": "roles", "queues": "queues", "skills": "skills",
                    "profiles": "profiles", "groups": "groupId"}


def reference_values(record: AgentRecord) -> set[tuple[str, str]]:
    """The (kind, id) pairs of every catalogue item the agent refers to."""
    values: set[tuple[str, str]] = {("roles", role) for role in record.roles}
    values |= {("queues", queue) for queue in record.queues}
    values |= {("skills", skill.skillId) for skill in record.skills}
    values |= {("profiles", profile) for profile in record.profiles}
    if record.groupId:
        values.add(("groups", record.groupId))
    return values


class Agent(Model):
    """The agent resource of the contract."""

    id: str
    account: str
    email: str
    pendingEmail: PendingEmail | None
    firstName: str
    lastName: str
    alias: str
    phone: str | None
    mobilePhone: str | None
    landlinePhone: str | None
    roles: list[str]
    queues: list[str]
    skills: list[SkillLevel]
    groupId: str | None
    properties: dict[str, PropertyValue]
    effectiveProperties: dict[str, PropertyValue]
    active: bool
    title: str
    bio: str
    mobileAppEnabled: bool
    timeFormat: TimeFormat
    language: str
    businessUnit: str | None
    numericId: int | None
    maxConcurrentChats: ChatLimits
    showPhoto: bool
    photoUrl: str | None
    ipAllowlist: list[str]
    profiles: list[str]
    activeProfileId: str | None
    isOwner: bool
    twoFactorEnabled: bool
    locked: bool
    passwordStatus: PasswordStatus
    queueStatus: QueueStatus
    lastLoginAt: str | None
    deprovisionedAt: str | None = Field(
        description="When identity provisioning removed the agent while it could not be "
                    "deleted (assignments, logged on): inactive, hidden from SCIM, to be "
                    "reassigned and deleted by an admin; null otherwise")
    createdAt: str
    updatedAt: str
    version: int

    @classmethod
    def from_record(
        cls,
        record: AgentRecord,
        *,
        group_properties: dict[str, PropertyValue] | None = None,
        photo_url: str | None = None,
    ) -> Agent:
        data: dict[str, Any] = record.model_dump(exclude=INTERNAL_FIELDS)
        pending = record.pendingEmail
        if pending is not None and clock.parse(pending.expiresAt) <= clock.now():
            data["pendingEmail"] = None  # expired: the cleanup has just not run yet
        data["effectiveProperties"] = {**(group_properties or {}), **record.properties}
        data["photoUrl"] = photo_url
        return cls.model_validate(data)
