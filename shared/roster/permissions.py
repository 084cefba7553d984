"""Permissions, built-in roles, and the shape of a route's requirement.

What each route requires is declared with the route in ``roster.routes``; the authorizer
denies a route missing from there (and a test fails), so a new route cannot go out
unguarded by accident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

AGENTS_READ: Final = "agents:read"
AGENTS_WRITE: Final = "agents:write"
AGENTS_DELETE: Final = "agents:delete"
AGENTS_CREDENTIALS: Final = "agents:credentials"
CATALOG_WRITE: Final = "catalog:write"
AUDIT_READ: Final = "audit:read"
PROVISIONING_MANAGE: Final = "provisioning:manage"  # create, list, revoke SCIM tokens

ALL_PERMISSIONS: Final = (
    AGENTS_READ,
    AGENTS_WRITE,
    AGENTS_DELETE,
    AGENTS_CREDENTIALS,
    CATALOG_WRITE,
    AUDIT_READ,
    PROVISIONING_MANAGE,
)
# What a provisioning token acts with on /scim/v2 (API.md): agents, never the catalogue
# beyond queues-as-Groups, never audit or provisioning itself.
PROVISIONING_PERMISSIONS: Final = frozenset(
    {AGENTS_READ, AGENTS_WRITE, AGENTS_DELETE, AGENTS_CREDENTIALS})

ADMIN_ROLE: Final = "admin"
BUILT_IN_ROLES: Final[dict[str, tuple[str, ...]]] = {
    ADMIN_ROLE: ALL_PERMISSIONS,
    "manager": (AGENTS_READ, AGENTS_WRITE, AGENTS_CREDENTIALS),
    "agent": (),
    "agent_test": (),
}
BUILT_IN_ROLE_NAMES: Final = {
    ADMIN_ROLE: "Administrator",
    "manager": "Manager",
    "agent": "Agent",
    "agent_test": "Agent (testing)",
}

# A route's requirement: None = public (no token), frozenset() = any signed-in agent,
# otherwise any one of the listed permissions.
Requirement = frozenset[str] | None
PUBLIC: Final[Requirement] = None
SIGNED_IN: Final[Requirement] = frozenset()


def permissions_of(roles: Iterable[str], custom_roles: Mapping[str, Any]) -> frozenset[str]:
    """The union of the permissions ``roles`` carry; ``custom_roles`` maps a custom role
    id to its catalogue item or to its permission list. Unknown roles carry nothing."""
    granted: set[str] = set()
    for role in roles:
        if role in BUILT_IN_ROLES:
            granted.update(BUILT_IN_ROLES[role])
            continue
        found = custom_roles.get(role)
        carried = found.get("permissions", []) if isinstance(found, Mapping) else found
        granted.update(str(permission) for permission in carried or ())
    return frozenset(granted)


def allows(requirement: Requirement, granted: frozenset[str]) -> bool:
    if requirement is None or not requirement:
        return True
    return bool(requirement & granted)
