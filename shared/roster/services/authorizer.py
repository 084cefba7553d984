"""The Lambda authorizer's decision: who is calling, and may they call this route.

A token is honoured only while its session lives: the session item exists, has not
expired, belongs to the agent's current session epoch (bumped by 'revoke all',
deactivation and password changes) and the agent is active; the request's source
address must be in the agent's ``ipAllowlist`` as it is now. Permissions come from the
agent's roles as they are now, not as they were when the token was issued.

A refusal of a valid token is a Deny policy (API Gateway's ``ACCESS_DENIED``, always
``403``) whose context names the problem (``code``, ``title``, ``detail``): the
template's gateway response renders it, so one Deny answers ``403 forbidden`` or
``403 ip_not_allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from roster import clock, tokens
from roster.allowlist import ip_allowed
from roster.errors import Forbidden, IpNotAllowed, RosterError, Unauthorized
from roster.models.provisioning import TOKEN_PREFIX as PROVISIONING_TOKEN_PREFIX
from roster.permissions import BUILT_IN_ROLES, allows, permissions_of
from roster.ports.sessions import sessions
from roster.routes import requirement as route_requirement

MAX_AUTHORIZATION_HEADER = 4096


@dataclass(frozen=True)
class Decision:
    allow: bool
    agent_id: str
    session_id: str
    roles: tuple[str, ...]
    permissions: frozenset[str]
    refusal: RosterError | None = None  # what a Deny answers

    def context(self) -> dict[str, str]:
        context = {
            "agentId": self.agent_id,
            "sessionId": self.session_id,
            "roles": ",".join(self.roles),
            "permissions": ",".join(sorted(self.permissions)),
        }
        if not self.allow:
            refusal = self.refusal or Forbidden()
            context.update(code=refusal.code, title=refusal.title, detail=refusal.detail)
        return context


def bearer_token(authorization: str | None) -> str:
    if not authorization or len(authorization) > MAX_AUTHORIZATION_HEADER:
        raise Unauthorized()
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def decide(authorization: str | None, method: str, resource: str,
           source_ip: str) -> Decision:
    """Raise ``Unauthorized`` for a bad token; otherwise allow or deny the route. A
    provisioning token (``rstp_``) is for ``/scim/v2`` (ScimApi) only: ``401`` here."""
    token = bearer_token(authorization)
    if token.startswith(PROVISIONING_TOKEN_PREFIX):
        raise Unauthorized()
    claims = tokens.read_access_token(token)
    if claims is None:
        raise Unauthorized()
    store = sessions()
    hinted = [role for role in claims.roles if role not in BUILT_IN_ROLES]
    record, session, custom = store.load_session(claims.agent_id, claims.session_id, hinted)
    if (
        record is None
        or session is None
        or not record.active
        or session.epoch != record.sessionEpoch
        or clock.parse(session.expiresAt) <= clock.now()
    ):
        raise Unauthorized()
    if not ip_allowed(source_ip, record.ipAllowlist):
        return Decision(False, record.id, session.id, tuple(record.roles), frozenset(),
                        IpNotAllowed("Requests for this account are not allowed from "
                                     "this address"))
    missing = [r for r in record.roles if r not in BUILT_IN_ROLES and r not in custom]
    for role in missing:  # roles granted since the token was issued (rare)
        permissions = store.role_permissions(role)
        if permissions is not None:
            custom[role] = permissions
    granted = permissions_of(record.roles, custom)
    requirement = route_requirement(method, resource)
    return Decision(allows(requirement, granted), record.id, session.id,
                    tuple(record.roles), granted,
                    Forbidden("The token does not carry the permission this route needs"))
