"""Catalogues: roles, queues, skills, groups and skill profiles.

Requests (create and patch per kind) and the resources the API returns. Stored items
carry the resource's fields plus ``type``, ``kind``, keys and an internal ``revision``
(the optimistic lock of every change), mapped in ``repository/catalog.py``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal, get_args

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from roster.models.agent import SkillLevel
from roster.models.base import Model, refuse_null_in_schema
from roster.models.properties import Properties
from roster.permissions import ALL_PERMISSIONS

CatalogKind = Literal["roles", "queues", "skills", "groups", "profiles"]
KINDS: tuple[CatalogKind, ...] = ("roles", "queues", "skills", "groups", "profiles")

ID_PATTERN = r"^[a-z0-9._-]{1,64}$"
# Kinds found by name in one Query (SCIM's ``displayName eq`` on Groups, i.e. queues): each
# item has a copy in the partition of its folded name, moved in its own transactions.
NAME_INDEXED: frozenset[str] = frozenset({"queues"})
MAX_REFERENCES = 32  # profiles per group, skills per profile: keeps a change in one transaction

CatalogId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=500)]
Permission = Literal[
    "agents:read", "agents:write", "agents:delete", "agents:credentials",
    "catalog:write", "audit:read", "provisioning:manage",
]



def fold_name(name: str) -> str:
    """A name as a case-insensitive comparison sees it: NFC, lower-cased, NFC again.

    RFC 7643 section 8.7.1 makes a Group's ``displayName`` ``caseExact: false``; this is
    the comparison key ``scim2-models`` evaluates such filters with
    (``scim2_models.policy.default_comparison_key``), so the index and the filter agree.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).lower())


# Fields a PATCH may name but never change (422 immutable_field).
IMMUTABLE_FIELDS = ("id", "builtIn", "createdAt", "updatedAt")
# Fields a PATCH may not set to null (``description`` may: null clears it).
NOT_NULL_FIELDS = ("name", "permissions", "skills", "properties", "profiles")

assert set(get_args(Permission)) == set(ALL_PERMISSIONS)


def _canonical(value: list[Permission] | None) -> list[Permission] | None:
    """Each permission once, in the canonical order of ``ALL_PERMISSIONS``."""
    if value is None:
        return None
    return [p for p in get_args(Permission) if p in set(value)]


def _no_duplicates(values: list[str] | None, what: str) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(f"each {what} may appear only once")


class _Request(Model):
    model_config = ConfigDict(extra="forbid")


class CatalogPatch(_Request):
    """The fields every kind shares; ``IMMUTABLE_FIELDS`` are accepted to be refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=refuse_null_in_schema(
        {"description", *IMMUTABLE_FIELDS}))

    id: str | None = Field(default=None, json_schema_extra={"readOnly": True})
    builtIn: bool | None = Field(default=None, json_schema_extra={"readOnly": True})
    createdAt: str | None = Field(default=None, json_schema_extra={"readOnly": True})
    updatedAt: str | None = Field(default=None, json_schema_extra={"readOnly": True})
    name: Name | None = None
    description: Description | None = None


# ------------------------------------------------------------------ requests
class CatalogCreate(_Request):
    id: CatalogId
    name: Name
    description: Description | None = None


class RoleCreate(CatalogCreate):
    permissions: list[Permission] = Field(default_factory=list)

    @field_validator("permissions")
    @classmethod
    def _canonical_permissions(cls, value: list[Permission]) -> list[Permission]:
        return _canonical(value) or []


class QueueCreate(CatalogCreate):
    pass


class SkillCreate(CatalogCreate):
    pass


class ProfileCreate(CatalogCreate):
    skills: Annotated[list[SkillLevel], Field(max_length=MAX_REFERENCES)] = Field(
        default_factory=list)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[SkillLevel]) -> list[SkillLevel]:
        _no_duplicates([s.skillId for s in value], "skillId")
        return value


class GroupCreate(CatalogCreate):
    properties: Properties = Field(default_factory=dict)
    profiles: Annotated[list[CatalogId], Field(max_length=MAX_REFERENCES)] = Field(
        default_factory=list)

    @field_validator("profiles")
    @classmethod
    def _unique_profiles(cls, value: list[str]) -> list[str]:
        _no_duplicates(value, "profile")
        return value


class RolePatch(CatalogPatch):
    permissions: list[Permission] | None = None

    @field_validator("permissions")
    @classmethod
    def _canonical_permissions(cls, value: list[Permission] | None) -> list[Permission] | None:
        return _canonical(value)


class QueuePatch(CatalogPatch):
    pass


class SkillPatch(CatalogPatch):
    pass


class ProfilePatch(CatalogPatch):
    skills: Annotated[list[SkillLevel], Field(max_length=MAX_REFERENCES)] | None = None

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[SkillLevel] | None) -> list[SkillLevel] | None:
        _no_duplicates([s.skillId for s in value] if value else None, "skillId")
        return value


class GroupPatch(CatalogPatch):
    properties: Properties | None = None
    profiles: Annotated[list[CatalogId], Field(max_length=MAX_REFERENCES)] | None = None

    @field_validator("profiles")
    @classmethod
    def _unique_profiles(cls, value: list[str] | None) -> list[str] | None:
        _no_duplicates(value, "profile")
        return value


# ------------------------------------------------------------------ resources
class CatalogItem(Model):
    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    description: str | None = None
    createdAt: str
    updatedAt: str


class Role(CatalogItem):
    permissions: list[str] = Field(default_factory=list)
    builtIn: bool = False


class Queue(CatalogItem):
    pass


class Skill(CatalogItem):
    pass


class Profile(CatalogItem):
    skills: list[SkillLevel] = Field(default_factory=list)


class Group(CatalogItem):
    properties: dict[str, bool | int | float | str] = Field(default_factory=dict)
    profiles: list[str] = Field(default_factory=list)


class RolePage(Model):
    items: list[Role]
    nextCursor: str | None


class QueuePage(Model):
    items: list[Queue]
    nextCursor: str | None


class SkillPage(Model):
    items: list[Skill]
    nextCursor: str | None


class ProfilePage(Model):
    items: list[Profile]
    nextCursor: str | None


class GroupPage(Model):
    items: list[Group]
    nextCursor: str | None


RESOURCES: dict[str, type[CatalogItem]] = {
    "roles": Role, "queues": Queue, "skills": Skill, "profiles": Profile, "groups": Group,
}

# What each kind refers to: (field, kind referred to).
REFERENCES: dict[str, tuple[str, str]] = {"groups": ("profiles", "profiles"),
                                          "profiles": ("skills", "skills")}
