"""Permissions, built-in roles, and what each route requires.

The authorizer looks the route up in ``ROUTE_PERMISSIONS``; a route missing from it is
denied (and a test fails), so a new route cannot go out unguarded by accident.
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

ALL_PERMISSIONS: Final = (
    AGENTS_READ,
    AGENTS_WRITE,
    AGENTS_DELETE,
    AGENTS_CREDENTIALS,
    CATALOG_WRITE,
    AUDIT_READ,
)

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


def _any(*permissions: str) -> frozenset[str]:
    return frozenset(permissions)


CATALOG_READ: Final = _any(AGENTS_READ, CATALOG_WRITE)

_CATALOG_ROUTES: dict[tuple[str, str], Requirement] = {}
for _kind in ("roles", "queues", "skills", "groups", "profiles"):
    _CATALOG_ROUTES[("GET", f"/{_kind}")] = CATALOG_READ
    _CATALOG_ROUTES[("POST", f"/{_kind}")] = _any(CATALOG_WRITE)
    _CATALOG_ROUTES[("GET", f"/{_kind}/{{id}}")] = CATALOG_READ
    _CATALOG_ROUTES[("PATCH", f"/{_kind}/{{id}}")] = _any(CATALOG_WRITE)
    _CATALOG_ROUTES[("DELETE", f"/{_kind}/{{id}}")] = _any(CATALOG_WRITE)

ROUTE_PERMISSIONS: Final[dict[tuple[str, str], Requirement]] = {
    # sign-in
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/challenge"): PUBLIC,
    ("POST", "/auth/refresh"): PUBLIC,
    ("POST", "/auth/logout"): SIGNED_IN,
    # recovery, verification, service
    ("POST", "/password/forgot"): PUBLIC,
    ("POST", "/password/reset"): PUBLIC,
    ("POST", "/email-verification"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    # self-service
    ("GET", "/me"): SIGNED_IN,
    ("PATCH", "/me"): SIGNED_IN,
    ("POST", "/me/password"): SIGNED_IN,
    ("POST", "/me/two-factor"): SIGNED_IN,
    ("POST", "/me/two-factor/confirm"): SIGNED_IN,
    ("DELETE", "/me/two-factor"): SIGNED_IN,
    ("PUT", "/me/queue-status"): SIGNED_IN,
    ("POST", "/me/photo"): SIGNED_IN,
    ("DELETE", "/me/photo"): SIGNED_IN,
    # agents
    ("POST", "/agents"): _any(AGENTS_WRITE),
    ("GET", "/agents"): _any(AGENTS_READ),
    ("GET", "/agents/numeric-ids"): _any(AGENTS_READ),
    ("GET", "/agents/{id}"): _any(AGENTS_READ),
    ("PATCH", "/agents/{id}"): _any(AGENTS_WRITE),
    ("DELETE", "/agents/{id}"): _any(AGENTS_DELETE),
    ("POST", "/agents/{id}/password"): _any(AGENTS_CREDENTIALS),
    ("POST", "/agents/{id}/backup-codes"): _any(AGENTS_CREDENTIALS),
    ("POST", "/agents/{id}/unlock"): _any(AGENTS_CREDENTIALS),
    ("DELETE", "/agents/{id}/two-factor"): _any(AGENTS_CREDENTIALS),
    ("DELETE", "/agents/{id}/sessions"): _any(AGENTS_CREDENTIALS),
    ("POST", "/agents/{id}/email-change/resend"): _any(AGENTS_WRITE),
    ("DELETE", "/agents/{id}/email-change"): _any(AGENTS_WRITE),
    ("PUT", "/agents/{id}/assignments/{kind}/{ref}"): _any(AGENTS_WRITE),
    ("DELETE", "/agents/{id}/assignments/{kind}/{ref}"): _any(AGENTS_WRITE),
    ("GET", "/agents/{id}/assignments"): _any(AGENTS_READ),
    ("PUT", "/agents/{id}/group"): _any(AGENTS_WRITE),
    ("POST", "/agents/{id}/photo"): _any(AGENTS_WRITE),
    ("DELETE", "/agents/{id}/photo"): _any(AGENTS_WRITE),
    # audit
    ("GET", "/audit"): _any(AUDIT_READ),
    **_CATALOG_ROUTES,
}


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
