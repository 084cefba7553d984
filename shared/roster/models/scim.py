"""SCIM 2.0 resources as Roster serves them (RFC 7643), built on ``scim2-models``.

The core User schema is published with only the attributes Roster really keeps
(``userName``, ``name.givenName``/``familyName``, ``displayName``, ``emails``,
``phoneNumbers``, ``active``, ``title``, ``preferredLanguage``, ``roles``,
``password``), so a client reading ``/Schemas`` learns exactly what sticks; Roster's
own fields are in the ``roster`` extension. A Group is a queue: ``displayName`` and
``members``.

``POLICY`` is how tolerant Roster is of what identity providers send (Microsoft Entra
ID above all): attributes Roster does not keep are dropped instead of refused, a PATCH
``remove`` may carry the value to remove, and a PATCH path filter that matches nothing
(``emails[type eq "work"].value`` on a user without one) creates the entry it describes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from scim2_models import (
    URN,
    AnyExtension,
    ComplexAttribute,
    Email,
    Extension,
    Group,
    Mutability,
    PhoneNumber,
    Required,
    Resource,
    Returned,
    Role,
    ScimPolicy,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ROSTER_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:roster:2.0:User"

POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class TimeFormat(StrEnum):
    """How an agent's apps show times (published as ``canonicalValues``)."""

    h24 = "24h"
    h12 = "12h"


class UserName(ComplexAttribute):
    """``name``: the parts Roster keeps (``firstName``, ``lastName``)."""

    given_name: str | None = None
    """The agent's first name (``firstName``)."""

    family_name: str | None = None
    """The agent's last name (``lastName``)."""


class RosterUser(Extension):
    """Roster's own agent fields (``urn:ietf:params:scim:schemas:extension:roster:2.0:User``)."""

    __schema__ = URN(ROSTER_USER_SCHEMA)

    group_id: str | None = None
    """The agent's group (its properties and skill profiles), a Roster group id."""

    numeric_id: int | None = None
    """The agent's unique numeric id (telephony systems)."""

    business_unit: str | None = None
    """Free text: the business unit the agent works for."""

    queues: list[str] | None = None
    """Ids of the queues the agent takes work from (the Groups it is a member of)."""

    time_format: TimeFormat | None = None
    """``24h`` or ``12h``: how the agent's apps show times."""

    password_status: Annotated[str | None, Mutability.read_only] = None
    """``none`` (no password yet), ``temporary`` or ``set``."""

    is_owner: Annotated[bool | None, Mutability.read_only] = None
    """Whether this is the installation's owner (never changed through SCIM)."""


class UserResource(Resource[AnyExtension]):
    """A Roster agent as a SCIM User, before its extension is bound (``ScimUser``)."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The agent's account: 3-64 of ``a-z 0-9 . _ -``, no ``@``."""

    name: UserName | None = None
    """The agent's first and last names."""

    Name: ClassVar[type[ComplexAttribute]] = UserName

    display_name: str | None = None
    """The agent's alias (defaults to the first and last names)."""

    title: str | None = None
    """The agent's title (at most 100 characters)."""

    preferred_language: str | None = None
    """The language of the agent's apps and mails, a BCP 47 tag."""

    active: bool | None = None
    """Whether the agent may sign in; false ends every session at once."""

    password: Annotated[str | None, Mutability.write_only, Returned.never] = None
    """A first password, only for an agent without one yet; policy-checked."""

    emails: Annotated[list[Email] | None, Required.true] = None
    """The agent's email (primary, or ``work``): a change goes through verification."""

    phone_numbers: list[PhoneNumber] | None = None
    """``work`` is the agent's phone, ``mobile`` its mobile phone (E.164)."""

    roles: list[Role] | None = None
    """Roster role ids (``value``); none on creation means ``agent``."""


ScimUser = UserResource[RosterUser]
ScimGroup = Group

DESCRIPTIONS: dict[str, tuple[str, str]] = {
    # schema id: (name, description) as /Schemas publishes them
    USER_SCHEMA: ("User", "A Roster agent"),
    GROUP_SCHEMA: ("Group", "A Roster queue; its members are the agents taking its work"),
    ROSTER_USER_SCHEMA: ("RosterUser", "Roster's own agent attributes"),
}
