"""Every route of the API, declared once: who serves it, who may call it, what it answers.

A handler registers through ``roster.api.route(router, "POST /agents")``, which looks its
declaration up here (an undeclared route cannot be registered). Derived from this table:
the authorizer's requirement per route (``requirement``), the problems each route
answers in ``openapi.json`` (``errors``), the public operations' empty ``security``, and
the list the bench measures (``ROUTES``). Tests hold ``template.yaml``'s API events
equal to it (method, path, function, authorizer) and every function's router to exactly
its declared routes.

Cheap to import (the authorizer reads it at cold start): permission names and error
classes only, no handler and no pydantic model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from roster import errors
from roster.errors import RosterError
from roster.permissions import (
    AGENTS_CREDENTIALS,
    AGENTS_DELETE,
    AGENTS_READ,
    AGENTS_WRITE,
    AUDIT_READ,
    CATALOG_WRITE,
    PROVISIONING_MANAGE,
    PUBLIC,
    SIGNED_IN,
    Requirement,
)

Errors = tuple[type[RosterError], ...]

REST_API: Final = "rest"
SCIM_API: Final = "scim"
SCIM_BASE: Final = "/scim/v2"  # the SCIM routes' prefix, on ScimApi only
APIS: Final = (REST_API, SCIM_API)


@dataclass(frozen=True)
class BodyAsSent:
    """A body read as its bytes (``roster.api.RawBody``): the media types it may have,
    which API Gateway hands over base64-encoded, and what ``openapi.json`` says of it."""

    media_types: tuple[str, ...]
    description: str


# ``POST /imports``: the CSV file itself.
CSV_FILE: Final = BodyAsSent(("text/csv", "application/csv"),
                             "The CSV file (UTF-8, with or without BOM; `,` or `;`; at most "
                             "4 MB)")
# ``PUT /me/photo``, ``PUT /agents/{id}/photo``: the image itself (``MAX_PHOTO_BYTES``).
PHOTO_FILE: Final = BodyAsSent(("image/jpeg", "image/png", "image/webp"),
                               "The image itself, JPEG, PNG or WebP as its first bytes say "
                               "and as `Content-Type` declares, 1 byte to 2 MiB")


@dataclass(frozen=True)
class Route:
    """One route. ``path`` is API Gateway's form (``/agents/{id}``); ``function`` the
    ``functions/<dir>`` (the template's ``CodeUri``) serving it; ``requirement``
    ``PUBLIC`` (no token), ``SIGNED_IN`` (any agent) or any one of a set of permissions;
    ``errors`` the problems it answers beyond those every route of its kind shares
    (``roster.openapi.problem_codes``); ``resolver`` False for a plain Lambda handler
    outside the Powertools resolver (no router, not in ``openapi.json``); ``raw_body``
    for a route that reads its body as sent (a CSV file, an image), not as JSON: its
    media types (each one of the API's ``BinaryMediaTypes``) and description; ``api`` the
    API Gateway API serving it: ``"rest"`` (``Api``, problem+json, bearer JWTs) or
    ``"scim"`` (``ScimApi``, SCIM errors, provisioning tokens; its paths as served,
    ``/scim/v2/...``)."""

    method: str
    path: str
    function: str
    requirement: Requirement
    summary: str
    tag: str
    errors: Errors = ()
    resolver: bool = True
    raw_body: BodyAsSent | None = None
    api: str = REST_API

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def public(self) -> bool:
        return self.requirement is None

    @property
    def router_path(self) -> str:
        """The path as Powertools' router spells it (``/agents/<id>``)."""
        return self.path.replace("{", "<").replace("}", ">")


def _any(*permissions: str) -> frozenset[str]:
    return frozenset(permissions)


def _scim_routes() -> list[Route]:
    """SCIM discovery, Users (agents) and Groups (queues): reads need ``agents:read``,
    creations and changes ``agents:write``, removals ``agents:delete``."""
    def scim(method: str, path: str, summary: str, errors: Errors = ()) -> Route:
        needed = {"GET": AGENTS_READ, "DELETE": AGENTS_DELETE}.get(method, AGENTS_WRITE)
        return Route(method, f"{SCIM_BASE}{path}", "scim", _any(needed), summary, "scim",
                     errors, api=SCIM_API)

    found: list[Route] = [
        scim("GET", "/ResourceTypes", "The resource types served (User, Group)"),
        scim("GET", "/ResourceTypes/{id}", "One resource type"),
        scim("GET", "/Schemas", "The schemas served, with exactly the attributes kept"),
        scim("GET", "/Schemas/{id}", "One schema"),
    ]
    for kind, what in (("Users", "agent"), ("Groups", "queue")):
        found += [
            scim("GET", f"/{kind}", f"List or filter {kind} ({what}s)"),
            scim("POST", f"/{kind}", f"Create a {what}",
                 (errors.AlreadyExists, errors.Forbidden)),
            scim("GET", f"/{kind}/{{id}}", f"Read a {what}"),
            scim("PUT", f"/{kind}/{{id}}", f"Replace a {what}",
                 (errors.VersionConflict, errors.Forbidden)),
            scim("PATCH", f"/{kind}/{{id}}", f"Change a {what} with PATCH operations",
                 (errors.VersionConflict, errors.Forbidden)),
            scim("DELETE", f"/{kind}/{{id}}",
                 f"Remove a {what}" + (" (or deprovision it)" if kind == "Users" else ""),
                 (errors.Forbidden,)),
        ]
    return found


# Shared error lists: the routes that answer them answer them for the same reason.
_LIST: Errors = (errors.InvalidCursor,)
_SIGN_IN_REFUSALS: Errors = (errors.TemporaryPasswordExpired, errors.AccountInactive,
                             errors.IpNotAllowed, errors.AccountLocked)
_TWO_FACTOR_CODE: Errors = (errors.InvalidCode, errors.TwoFactorNotEnabled,
                            errors.AccountLocked, errors.TooManyAttempts)
_REAUTHENTICATION: Errors = (errors.InvalidCredentials, errors.TooManyAttempts)

CATALOG_KINDS: Final = ("roles", "queues", "skills", "groups", "profiles")
CATALOG_READ: Final = _any(AGENTS_READ, CATALOG_WRITE)


def _catalog(kind: str) -> tuple[Route, ...]:
    """A catalogue's five routes (the catalog function serves every kind alike)."""
    write = _any(CATALOG_WRITE)
    one = kind.rstrip("s")
    return (
        Route("GET", f"/{kind}", "catalog", CATALOG_READ, f"List {kind}", "catalogues",
              _LIST),
        Route("POST", f"/{kind}", "catalog", write, f"Create a {one}", "catalogues",
              (errors.AlreadyExists, errors.UnknownReference, errors.Forbidden)),
        Route("GET", f"/{kind}/{{id}}", "catalog", CATALOG_READ, f"Read a {one}",
              "catalogues"),
        Route("PATCH", f"/{kind}/{{id}}", "catalog", write, f"Change a {one}", "catalogues",
              (errors.ImmutableField, errors.BuiltIn, errors.UnknownReference,
               errors.Forbidden, errors.ConcurrentChange)),
        Route("DELETE", f"/{kind}/{{id}}", "catalog", write, f"Delete a {one}", "catalogues",
              (errors.InUse, errors.BuiltIn)),
    )


ROUTES: Final[tuple[Route, ...]] = (
    # ------------------------------------------------------------ sign-in (auth)
    Route("POST", "/auth/login", "auth", PUBLIC, "Sign in with a login and a password",
          "sign-in",
          (errors.InvalidCredentials, *_SIGN_IN_REFUSALS, errors.TooManyAttempts)),
    Route("POST", "/auth/challenge", "auth", PUBLIC, "Answer a sign-in challenge", "sign-in",
          (errors.InvalidTwoFactorCode, errors.InvalidSession, *_SIGN_IN_REFUSALS,
           errors.PasswordPolicy, errors.TooManyAttempts)),
    Route("POST", "/auth/refresh", "auth", PUBLIC, "Trade a refresh token for new tokens",
          "sign-in", (errors.InvalidToken, errors.IpNotAllowed)),
    Route("POST", "/auth/logout", "auth", SIGNED_IN, "End the caller's session", "sign-in"),
    Route("DELETE", "/agents/{id}/sessions", "auth", _any(AGENTS_CREDENTIALS),
          "End every session of an agent", "credentials"),
    # ------------------------------------------------------------ password
    Route("POST", "/password/forgot", "password", PUBLIC, "Ask for a recovery code",
          "password recovery"),
    Route("POST", "/password/reset", "password", PUBLIC, "Set a password with a recovery code",
          "password recovery", (errors.InvalidCode, errors.PasswordPolicy)),
    Route("POST", "/me/password", "password", SIGNED_IN, "Change the caller's password",
          "self-service", (*_REAUTHENTICATION, errors.PasswordPolicy)),
    Route("POST", "/agents/{id}/password", "password", _any(AGENTS_CREDENTIALS),
          "Set or generate an agent's password", "credentials",
          (errors.PasswordMismatch, errors.PasswordPolicy)),
    # ------------------------------------------------------------ email changes
    Route("POST", "/email-verification", "email_verification", PUBLIC,
          "Confirm a new email address", "email",
          (errors.InvalidVerificationToken, errors.EmailTaken)),
    Route("POST", "/agents/{id}/email-change/resend", "email_verification",
          _any(AGENTS_WRITE), "Send the verification link again", "email",
          (errors.NoPendingEmail, errors.TooManyAttempts)),
    Route("DELETE", "/agents/{id}/email-change", "email_verification", _any(AGENTS_WRITE),
          "Cancel a pending email change", "email", (errors.NoPendingEmail,)),
    # ------------------------------------------------------------ two-factor
    Route("POST", "/me/two-factor", "two_factor", SIGNED_IN, "Start two-factor enrolment",
          "self-service", (*_REAUTHENTICATION, errors.TwoFactorAlreadyEnabled)),
    Route("POST", "/me/two-factor/confirm", "two_factor", SIGNED_IN,
          "Confirm two-factor enrolment with a code", "self-service",
          (errors.InvalidCode, errors.TwoFactorAlreadyEnabled, errors.ConcurrentChange)),
    Route("DELETE", "/me/two-factor", "two_factor", SIGNED_IN,
          "Turn the caller's two-factor sign-in off", "self-service",
          (*_TWO_FACTOR_CODE, errors.ConcurrentChange)),
    Route("POST", "/agents/{id}/backup-codes", "two_factor", _any(AGENTS_CREDENTIALS),
          "Issue new backup codes", "credentials", (errors.TwoFactorNotEnabled,)),
    Route("POST", "/agents/{id}/unlock", "two_factor", _any(AGENTS_CREDENTIALS),
          "Unlock a locked agent", "credentials"),
    Route("DELETE", "/agents/{id}/two-factor", "two_factor", _any(AGENTS_CREDENTIALS),
          "Reset an agent's two-factor sign-in", "credentials"),
    # ------------------------------------------------------------ agents: self-service
    Route("GET", "/me", "agents", SIGNED_IN, "Read the caller's own record", "self-service"),
    # PATCH /me never answers email_taken: another agent's address is answered as a free one.
    Route("PATCH", "/me", "agents", SIGNED_IN, "Change the caller's own record",
          "self-service",
          (*_REAUTHENTICATION, errors.VersionConflict, errors.ConcurrentChange)),
    Route("PUT", "/me/queue-status", "agents", SIGNED_IN, "Set the caller's queue status",
          "self-service", (errors.UnknownReference,)),
    Route("POST", "/me/photo", "agents", SIGNED_IN, "Start uploading the caller's photo",
          "self-service"),
    Route("PUT", "/me/photo", "agents", SIGNED_IN, "Upload the caller's photo itself",
          "self-service", (errors.PayloadTooLarge, errors.ConcurrentChange),
          raw_body=PHOTO_FILE),
    Route("DELETE", "/me/photo", "agents", SIGNED_IN, "Remove the caller's photo",
          "self-service"),
    # ------------------------------------------------------------ agents
    Route("POST", "/agents", "agents", _any(AGENTS_WRITE), "Create an agent", "agents",
          (errors.AccountTaken, errors.EmailTaken, errors.NumericIdTaken,
           errors.IdempotencyKeyReused, errors.IdempotencyInProgress, errors.PasswordPolicy,
           errors.UnknownReference)),
    Route("GET", "/agents", "agents", _any(AGENTS_READ), "Find agents", "agents", _LIST),
    Route("GET", "/agents/numeric-ids", "agents", _any(AGENTS_READ),
          "List the numeric ids in use", "agents"),
    Route("GET", "/agents/{id}", "agents", _any(AGENTS_READ), "Read an agent", "agents"),
    Route("PATCH", "/agents/{id}", "agents", _any(AGENTS_WRITE), "Change an agent", "agents",
          (errors.OwnerProtected, errors.EmailTaken, errors.NumericIdTaken,
           errors.AgentLoggedOn, errors.ConcurrentChange, errors.VersionConflict,
           errors.ImmutableField, errors.UnknownReference, errors.TooManyAttempts)),
    Route("DELETE", "/agents/{id}", "agents", _any(AGENTS_DELETE), "Delete an agent",
          "agents",
          (errors.OwnerProtected, errors.HasAssignments, errors.AgentLoggedOn,
           errors.InvalidReassignTarget)),
    Route("PUT", "/agents/{id}/group", "agents", _any(AGENTS_WRITE),
          "Move an agent to a group", "agents",
          (errors.AgentLoggedOn, errors.UnknownReference, errors.ConcurrentChange)),
    Route("PUT", "/agents/{id}/queue-status", "agents", _any(AGENTS_WRITE),
          "Log an agent off its queues", "agents", (errors.ConcurrentChange,)),
    Route("POST", "/agents/{id}/photo", "agents", _any(AGENTS_WRITE),
          "Start uploading an agent's photo", "agents"),
    Route("PUT", "/agents/{id}/photo", "agents", _any(AGENTS_WRITE),
          "Upload an agent's photo itself", "agents",
          (errors.PayloadTooLarge, errors.ConcurrentChange), raw_body=PHOTO_FILE),
    Route("DELETE", "/agents/{id}/photo", "agents", _any(AGENTS_WRITE),
          "Remove an agent's photo", "agents"),
    Route("GET", "/agents/{id}/assignments", "agents", _any(AGENTS_READ),
          "List an agent's assignments", "assignments", _LIST),
    Route("PUT", "/agents/{id}/assignments/{kind}/{ref}", "agents", _any(AGENTS_WRITE),
          "Assign work to an agent", "assignments"),
    Route("DELETE", "/agents/{id}/assignments/{kind}/{ref}", "agents", _any(AGENTS_WRITE),
          "Take an assignment away", "assignments"),
    # ------------------------------------------------------------ bulk import
    Route("POST", "/imports", "imports", _any(AGENTS_WRITE), "Start a bulk import of agents",
          "imports", (errors.InvalidCsv, errors.UnknownColumn, errors.PayloadTooLarge,
                      errors.IdempotencyKeyReused, errors.IdempotencyInProgress,
                      errors.ServiceUnavailable), raw_body=CSV_FILE),
    Route("GET", "/imports", "imports", _any(AGENTS_READ), "List bulk imports, newest first",
          "imports", _LIST),
    Route("GET", "/imports/{id}", "imports", _any(AGENTS_READ),
          "Read a bulk import's progress and first errors", "imports"),
    Route("GET", "/imports/{id}/errors", "imports", _any(AGENTS_READ),
          "List every row error of a bulk import", "imports", _LIST),
    # ------------------------------------------------------------ catalogues and audit
    *(route for kind in CATALOG_KINDS for route in _catalog(kind)),
    Route("GET", "/audit", "catalog", _any(AUDIT_READ), "Read the audit log", "audit", _LIST),
    # ------------------------------------------------------------ provisioning tokens
    Route("POST", "/provisioning-tokens", "provisioning", _any(PROVISIONING_MANAGE),
          "Create a provisioning token for SCIM (shown once)", "provisioning"),
    Route("GET", "/provisioning-tokens", "provisioning", _any(PROVISIONING_MANAGE),
          "List the provisioning tokens (never the tokens themselves)", "provisioning",
          _LIST),
    Route("DELETE", "/provisioning-tokens/{id}", "provisioning", _any(PROVISIONING_MANAGE),
          "Revoke a provisioning token", "provisioning"),
    # ------------------------------------------------------------ the document itself
    Route("GET", "/openapi.json", "openapi", PUBLIC, "This OpenAPI document", "service",
          resolver=False),
    # ------------------------------------------------------------ SCIM 2.0 (ScimApi)
    # Provisioning tokens only (roster.services.scim_authorizer); answers and errors
    # in SCIM's schemas (roster.scim_api). GET needs agents:read, POST/PUT/PATCH
    # agents:write, DELETE agents:delete.
    Route("GET", f"{SCIM_BASE}/ServiceProviderConfig", "scim", _any(AGENTS_READ),
          "What the SCIM service supports", "scim", api=SCIM_API),
    *_scim_routes(),
)

BY_KEY: Final[dict[tuple[str, str], Route]] = {route.key: route for route in ROUTES}
if len(BY_KEY) != len(ROUTES):
    raise RuntimeError("a route is declared twice in roster.routes.ROUTES")

# What a route missing from the table requires: a permission nobody holds (denied).
UNLISTED: Final[Requirement] = frozenset({"<unlisted>"})


def _methods_not_allowed() -> tuple[Route, ...]:
    """One ``ANY`` event per SCIM path (``ScimApi`` prefers a path's own methods to it):
    the scim function answers every other method ``405`` with ``Allow`` (RFC 7644 leaves
    the discovery endpoints GET only; scim2-tester checks it) instead of the gateway's
    ``404``. Any live provisioning token may call it: it reveals the methods only."""
    paths = sorted({route.path for route in ROUTES if route.api == SCIM_API})
    return tuple(Route("ANY", path, "scim", _any(AGENTS_READ),
                       "Any other method: 405 with the methods the path serves", "scim",
                       api=SCIM_API) for path in paths)


# Not served routes but events: kept apart from ROUTES (no handler, no OpenAPI operation).
METHODS_NOT_ALLOWED: Final[tuple[Route, ...]] = _methods_not_allowed()
_OTHER_METHODS: Final[dict[str, Route]] = {route.path: route for route in METHODS_NOT_ALLOWED}


def other_methods(path: str) -> Route | None:
    """The ``ANY`` declaration of a SCIM path (``None`` for any other path)."""
    return _OTHER_METHODS.get(path)


def allowed_methods(path: str) -> list[str]:
    """The methods declared for ``path`` (API Gateway's resource form), sorted."""
    return sorted(route.method for route in ROUTES if route.path == path)


def declared(key: str) -> Route:
    """The declaration of ``"METHOD /path"`` (``KeyError`` naming it when there is none)."""
    method, _, path = key.partition(" ")
    found = BY_KEY.get((method.upper(), path))
    if found is None:
        raise KeyError(f"{key} is not declared in roster.routes.ROUTES")
    return found


def requirement(method: str, path: str) -> Requirement:
    """What calling the route needs (``UNLISTED``, never granted, for an unknown one)."""
    found = lookup(method, path)
    return UNLISTED if found is None else found.requirement


def lookup(method: str, path: str) -> Route | None:
    """The route API Gateway invokes for ``method`` on ``path`` (a resource path): its
    own, else a SCIM path's ``ANY`` (``METHODS_NOT_ALLOWED``), else ``None``."""
    return BY_KEY.get((method.upper(), path)) or other_methods(path)
