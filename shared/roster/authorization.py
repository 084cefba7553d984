"""Who may act on which agent: the one rule every route, SCIM and bulk import apply.

The route's permission (checked by the authorizer) says *what* a caller may do; this
module says *to whom*. Acting on another agent needs every permission that agent holds
through all of its roles, custom ones included (privilege dominance): otherwise a
manager could reset the password of an agent whose custom role carries more than the
manager holds, sign in as it and use its powers. Role names decide nothing here: the
built-in ``admin`` role is simply the one that carries every permission, so "only an
admin grants admin" is this rule applied to that role.

Two rules narrow it further: only the owner changes the owner's credentials (anyone
else gets ``409 owner_protected``), and the credential routes meant for administrators
refuse the caller's own account (``403``, "use /me"): the ``/me`` routes ask for the
current password, which a stolen access token does not carry.

Reads are not restricted by this rule. The check reads the target as the caller's write
will find it: the write is conditional on the target's ``version`` (the repository's
``expected_version``), so a concurrent role change cannot slip between check and write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from roster.errors import Forbidden, OwnerProtected
from roster.permissions import BUILT_IN_ROLES, permissions_of

if TYPE_CHECKING:
    from roster.models.agent import AgentRecord


class Act(Enum):
    """What a route does to its target agent."""

    MANAGE = "manage"  # profile fields, group, photo, assignments, queue status, delete
    EMAIL = "email"  # changing the email address
    SIGN_IN_SETTINGS = "sign_in_settings"  # phones (where recovery codes go), IP allowlist
    EMAIL_CHANGE = "email_change"  # resending or cancelling a pending email change
    PASSWORD = "password"
    TWO_FACTOR = "two_factor"
    BACKUP_CODES = "backup_codes"
    UNLOCK = "unlock"
    SESSIONS = "sessions"


# Acts that administrators' routes refuse on the caller's own account, and where to go.
SELF_SERVICE_ONLY = {
    Act.EMAIL: "Use PATCH /me (with currentPassword) to change your own email",
    Act.SIGN_IN_SETTINGS: "Use PATCH /me (with currentPassword) to change your own phones; "
                          "another administrator changes your IP allowlist",
    Act.PASSWORD: "Use POST /me/password to change your own password",
    Act.TWO_FACTOR: "Use DELETE /me/two-factor (with a current code) for your own 2FA",
    Act.BACKUP_CODES: "Backup codes for your own account come with your 2FA enrolment",
    Act.UNLOCK: "Another administrator unlocks your account",
}
# The owner's credentials: only the owner changes them. Its phones (SMS recovery codes go
# there) and its IP allowlist (narrowed, it locks the owner out as a deactivation would)
# count among them. Unlocking does not: it gives nobody a way in, and a locked-out owner
# needs another admin to do it.
OWNER_ONLY = frozenset({Act.EMAIL, Act.EMAIL_CHANGE, Act.SIGN_IN_SETTINGS, Act.PASSWORD,
                        Act.TWO_FACTOR, Act.BACKUP_CODES, Act.SESSIONS})


@dataclass(frozen=True)
class Actor:
    """Whoever acts: an agent's session, or a provisioning token (``provisioning:<id>``).

    ``id`` is what the audit feed records as ``actorId``.
    """

    id: str
    permissions: frozenset[str]


def held_by(record: AgentRecord) -> frozenset[str]:
    """Every permission ``record`` holds (one catalogue read, only for custom roles)."""
    wanted = sorted({role for role in record.roles if role not in BUILT_IN_ROLES})
    if not wanted:
        return permissions_of(record.roles, {})
    from roster.ports.agents import agent_store

    found = agent_store().catalog_items([("roles", role) for role in wanted])
    return permissions_of(record.roles, {role: item for (_, role), item in found.items()})


def authorize(actor: Actor, target: AgentRecord, act: Act) -> None:
    """Raise unless ``actor`` may do ``act`` to ``target`` (see the module docstring)."""
    if target.id == actor.id:
        if act in SELF_SERVICE_ONLY:
            raise Forbidden(SELF_SERVICE_ONLY[act])
        return
    missing = held_by(target) - actor.permissions
    if missing:
        raise Forbidden("This agent holds permissions you do not: "
                        + ", ".join(sorted(missing)))
    if target.isOwner and act in OWNER_ONLY:
        raise OwnerProtected("Only the owner changes the owner's credentials")


def authorize_role_grant(actor: Actor, roles: Iterable[str],
                         catalog: Mapping[tuple[str, str], Any]) -> None:
    """Granting a role needs every permission it carries (``catalog`` holds the custom
    roles' items, keyed ``("roles", id)``)."""
    for role in sorted(set(roles)):
        carried = permissions_of([role], {role: catalog.get(("roles", role), {})})
        missing = carried - actor.permissions
        if missing:
            raise Forbidden(f"Granting the role '{role}' needs every permission it "
                            f"carries; you lack: {', '.join(sorted(missing))}")


def authorize_role_edit(actor: Actor, before: Iterable[str], after: Iterable[str]) -> None:
    """Editing a role needs every permission it carries before and after the change."""
    missing = (set(before) | set(after)) - actor.permissions
    if missing:
        raise Forbidden("Changing this role needs every permission it carries before and "
                        f"after the change; you lack: {', '.join(sorted(missing))}")
