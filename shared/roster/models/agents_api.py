"""Requests and answers of the agent routes (the resource itself is ``models.agent``).

Field rules live here so that a bad field is a ``422 validation_failed`` naming it:
account shape, email syntax (email-validator, no DNS), phones normalised to E.164
(phonenumbers), BCP 47 language shape, CIDRs, list sizes that keep every change within
one DynamoDB transaction.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from roster.allowlist import Cidr
from roster.models.agent import (
    ACCOUNT_PATTERN,
    Agent,
    AssignmentKind,
    ChatLimits,
    SkillLevel,
    TimeFormat,
    fold_account,
    id_shaped,
)
from roster.models.base import Model, refuse_null_in_schema
from roster.models.properties import Properties

# An account must never be read as an id or a fixed path segment (/agents/{id-or-account}).
RESERVED_ACCOUNTS = frozenset({"me", "numeric-ids"})
# language[-script][-region](-variant)*: the shape of a BCP 47 tag, not a registry lookup.
LANGUAGE_PATTERN = re.compile(
    r"^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$",
    re.IGNORECASE,
)
MAX_NUMERIC_ID = 2**31 - 1

# Caps that keep an agent's memberships (and any change to them) inside one transaction.
# Creating an agent writes two operations per reference (the reference item and the
# referred item's revision bump), so 40 references + 19 other operations <= 100.
MAX_ROLES = 5
MAX_QUEUES = 15
MAX_SKILLS = 15
MAX_PROFILES = 4
MAX_IP_RULES = 50
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_PHOTO_BYTES = 2 * 1024 * 1024


def _account(value: str) -> str:
    """3-64 ASCII characters, stored as given and matched by ``fold_account``."""
    if not ACCOUNT_PATTERN.fullmatch(value):
        raise ValueError("must be 3-64 characters of a-z, A-Z, 0-9, '.', '_' or '-'")
    if fold_account(value) in RESERVED_ACCOUNTS:
        raise ValueError(f"'{value}' is a word of the API's paths and cannot be an account")
    if id_shaped(value):
        raise ValueError("cannot have the shape of an agent id (a UUID)")
    return value


def _email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"is not a valid email address: {error}") from error
    return text


def _phone(value: str) -> str:
    """E.164 (``+4712345678``) or ``00`` international prefix, stored as E.164."""
    import phonenumbers

    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        raise ValueError("must be in E.164 (+4712345678) or start with 00")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as error:
        raise ValueError("is not a phone number") from error
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValueError("is not a possible phone number for its country code")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _language(value: str) -> str:
    if not LANGUAGE_PATTERN.match(value):
        raise ValueError("must be a BCP 47 language tag such as 'en' or 'nb-NO'")
    return value


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


def _unique_skills(values: list[SkillLevel]) -> list[SkillLevel]:
    _unique([skill.skillId for skill in values])
    return values


Account = Annotated[str, Field(min_length=3, max_length=64), AfterValidator(_account)]
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]
Phone = Annotated[str, Field(min_length=3, max_length=32), AfterValidator(_phone)]
Language = Annotated[str, Field(min_length=2, max_length=35), AfterValidator(_language)]
CatalogId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^#\s][^#]*$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Roles = Annotated[list[CatalogId], Field(min_length=1, max_length=MAX_ROLES),
                  AfterValidator(_unique)]
Queues = Annotated[list[CatalogId], Field(max_length=MAX_QUEUES), AfterValidator(_unique)]
Profiles = Annotated[list[CatalogId], Field(max_length=MAX_PROFILES), AfterValidator(_unique)]
Skills = Annotated[list[SkillLevel], Field(max_length=MAX_SKILLS),
                   AfterValidator(_unique_skills)]
IpAllowlist = Annotated[list[Cidr], Field(max_length=MAX_IP_RULES)]
NumericId = Annotated[int, Field(ge=1, le=MAX_NUMERIC_ID)]
PasswordMode = Literal["set", "generate", "invite"]


class CreateAgentRequest(Model):
    model_config = ConfigDict(extra="forbid")

    account: Account
    email: Email
    firstName: Name
    lastName: str = Field(default="", max_length=100)
    alias: str | None = Field(default=None, min_length=1, max_length=200)
    phone: Phone | None = None
    mobilePhone: Phone | None = None
    landlinePhone: Phone | None = None
    roles: Roles = Field(default_factory=lambda: ["agent"])
    queues: Queues = Field(default_factory=list)
    skills: Skills = Field(default_factory=list)
    groupId: CatalogId | None = None
    properties: Properties = Field(default_factory=dict)
    active: bool = True
    title: str = Field(default="", max_length=100)
    bio: str = Field(default="", max_length=1000)
    mobileAppEnabled: bool = False
    timeFormat: TimeFormat = "24h"
    language: Language = "en"
    businessUnit: str | None = Field(default=None, max_length=100)
    numericId: NumericId | None = None
    maxConcurrentChats: ChatLimits = Field(default_factory=ChatLimits)
    showPhoto: bool = True
    ipAllowlist: IpAllowlist = Field(default_factory=list)
    profiles: Profiles = Field(default_factory=list)
    passwordMode: PasswordMode | None = Field(
        default=None, description="Default: `set` when a `password` is given, else `generate`")
    password: str | None = Field(default=None, min_length=1, max_length=1024)
    forcePasswordChange: bool = Field(
        default=True, description="Whether a `set` password is temporary (must be changed at "
                                  "the next sign-in); a generated one always is")
    sendWelcome: bool = True

    @model_validator(mode="after")
    def _password_mode(self) -> CreateAgentRequest:
        mode = self.effective_password_mode
        if mode == "set" and self.password is None:
            raise ValueError("passwordMode 'set' needs a password")
        if mode != "set" and self.password is not None:
            raise ValueError(f"passwordMode '{mode}' takes no password")
        return self

    @property
    def effective_password_mode(self) -> PasswordMode:
        """``set`` when a password is given, ``generate`` otherwise, unless chosen."""
        if self.passwordMode is not None:
            return self.passwordMode
        return "set" if self.password is not None else "generate"


# Fields of the resource a PATCH may never carry (read-only or changed by their own routes).
IMMUTABLE_FIELDS = (
    "id", "account", "isOwner", "twoFactorEnabled", "locked", "passwordStatus",
    "queueStatus", "lastLoginAt", "createdAt", "updatedAt", "version", "pendingEmail",
    "effectiveProperties", "photoUrl", "activeProfileId", "deprovisionedAt",
)
# Fields that may be cleared with ``null``; every other field refuses ``null``.
NULLABLE_FIELDS = frozenset({"phone", "mobilePhone", "landlinePhone", "groupId",
                             "businessUnit", "numericId"})


class _Patch(Model):
    model_config = ConfigDict(
        json_schema_extra=refuse_null_in_schema(NULLABLE_FIELDS.union(IMMUTABLE_FIELDS)))

    @model_validator(mode="before")
    @classmethod
    def _no_null_for_required(cls, data: Any) -> Any:
        if isinstance(data, dict):
            refused = [name for name, value in data.items()
                       if value is None and name in cls.model_fields
                       and name not in NULLABLE_FIELDS and name not in IMMUTABLE_FIELDS]
            if refused:
                raise ValueError(f"{', '.join(sorted(refused))} cannot be null")
        return data

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, as they will be stored."""
        return {name: getattr(self, name) for name in self.model_fields_set
                if name not in IMMUTABLE_FIELDS}


class _ProfilePatch(_Patch):
    """The fields an agent may change about itself (an admin may change them too)."""

    model_config = ConfigDict(extra="forbid")

    alias: str | None = Field(default=None, min_length=1, max_length=200)
    phone: Phone | None = None
    mobilePhone: Phone | None = None
    language: Language | None = None
    timeFormat: TimeFormat | None = None
    title: str | None = Field(default=None, max_length=100)
    bio: str | None = Field(default=None, max_length=1000)
    showPhoto: bool | None = None
    email: Email | None = None


# Self-service changes that need the current password in the same body.
REAUTHENTICATED_FIELDS = ("email", "phone", "mobilePhone")


class UpdateMeRequest(_ProfilePatch):
    """What an agent may change about itself (``email`` starts a verified change).
    ``email``, ``phone`` and ``mobilePhone`` need ``currentPassword`` in the same body."""

    currentPassword: str | None = Field(
        default=None, min_length=1, max_length=1024,
        description="The caller's current password; required with email, phone or "
                    "mobilePhone (422 validation_failed without it, 401 "
                    "invalid_credentials when wrong). Never stored.")

    def reauthenticated_fields(self) -> list[str]:
        return [name for name in REAUTHENTICATED_FIELDS if name in self.model_fields_set]

    def changes(self) -> dict[str, Any]:
        changed = super().changes()
        changed.pop("currentPassword", None)
        return changed


class UpdateAgentRequest(_ProfilePatch):
    """An admin's partial update. Read-only fields are accepted by the schema only to
    be refused with ``422 immutable_field`` (rather than a generic validation error)."""

    firstName: Name | None = None
    lastName: str | None = Field(default=None, max_length=100)
    landlinePhone: Phone | None = None
    roles: Roles | None = None
    queues: Queues | None = None
    skills: Skills | None = None
    groupId: CatalogId | None = None
    properties: Properties | None = None
    active: bool | None = None
    mobileAppEnabled: bool | None = None
    businessUnit: str | None = Field(default=None, max_length=100)
    numericId: NumericId | None = None
    maxConcurrentChats: ChatLimits | None = None
    ipAllowlist: IpAllowlist | None = None
    profiles: Profiles | None = None
    # Read-only: present only to answer 422 immutable_field.
    id: Any = Field(default=None, json_schema_extra={"readOnly": True})
    account: Any = Field(default=None, json_schema_extra={"readOnly": True})
    isOwner: Any = Field(default=None, json_schema_extra={"readOnly": True})
    twoFactorEnabled: Any = Field(default=None, json_schema_extra={"readOnly": True})
    locked: Any = Field(default=None, json_schema_extra={"readOnly": True})
    passwordStatus: Any = Field(default=None, json_schema_extra={"readOnly": True})
    queueStatus: Any = Field(default=None, json_schema_extra={"readOnly": True})
    lastLoginAt: Any = Field(default=None, json_schema_extra={"readOnly": True})
    createdAt: Any = Field(default=None, json_schema_extra={"readOnly": True})
    updatedAt: Any = Field(default=None, json_schema_extra={"readOnly": True})
    version: Any = Field(default=None, json_schema_extra={"readOnly": True})
    pendingEmail: Any = Field(default=None, json_schema_extra={"readOnly": True})
    effectiveProperties: Any = Field(default=None, json_schema_extra={"readOnly": True})
    photoUrl: Any = Field(default=None, json_schema_extra={"readOnly": True})
    activeProfileId: Any = Field(default=None, json_schema_extra={"readOnly": True})
    deprovisionedAt: Any = Field(default=None, json_schema_extra={"readOnly": True})

    def immutable_sent(self) -> dict[str, Any]:
        """The read-only fields the caller sent, with their values."""
        return {name: getattr(self, name) for name in sorted(self.model_fields_set)
                if name in IMMUTABLE_FIELDS}


class CreatedAgent(Agent):
    """``201`` answer: the agent, plus ``temporaryPassword`` once when one was generated."""

    # Left out of the body, not ``null``, when no password was generated.
    temporaryPassword: str | None = Field(default=None, exclude_if=lambda value: value is None)


class AgentPage(Model):
    items: list[Agent]
    nextCursor: str | None


class NumericIds(Model):
    numericIds: list[int]


class GroupRequest(Model):
    model_config = ConfigDict(extra="forbid")

    groupId: CatalogId | None


class AgentQueueStatusRequest(Model):
    """An administrator's change of another agent's queue status: logging it off only
    (logging on is the agent's own act)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["logged_off"]


class QueueStatusRequest(Model):
    model_config = ConfigDict(extra="forbid")

    status: Literal["logged_on", "logged_off"]
    profileId: CatalogId | None = None

    @model_validator(mode="after")
    def _profile_only_on_log_on(self) -> QueueStatusRequest:
        if self.profileId is not None and self.status != "logged_on":
            raise ValueError("profileId is only taken with status 'logged_on'")
        return self


class PhotoRequest(Model):
    model_config = ConfigDict(extra="forbid")

    contentType: Literal["image/jpeg", "image/png", "image/webp"]
    contentLength: int = Field(ge=1, le=MAX_PHOTO_BYTES)


class PhotoUpload(Model):
    """A presigned S3 POST: send ``fields`` (repeated as ``headers``) as form fields, then
    the file, to ``uploadUrl``. S3 refuses another type or a larger body."""

    uploadUrl: str
    method: Literal["POST"] = "POST"
    headers: dict[str, str]
    fields: dict[str, str]
    expiresIn: int
    maxBytes: int


class Assignment(Model):
    kind: AssignmentKind
    ref: str
    assignedAt: str


class AssignmentPage(Model):
    items: list[Assignment]
    nextCursor: str | None
