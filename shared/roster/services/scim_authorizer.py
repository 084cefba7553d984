"""ScimApi's authorizer decision: provisioning tokens only.

``Authorization: Bearer rstp_...``; anything else (a sign-in JWT included) is ``401``.
The token is found in one read by its keyed digests (the current key's and, after a
rotation, the previous one's), its digest compared in constant time; a revoked
(deleted) or expired token is ``401``; a source address outside its ``allowedCidrs``
a Deny (``403``). The caller it grants is ``provisioning:<tokenId>`` with
``PROVISIONING_PERMISSIONS``, so services audit its acts with that ``actorId``.
``lastUsedAt`` is written at most once a minute per token, not per request. A token
found under the previous digest key is moved to the current one.
"""

from __future__ import annotations

from datetime import timedelta

from roster import clock, codes
from roster.allowlist import ip_allowed
from roster.errors import Forbidden, IpNotAllowed, Unauthorized
from roster.models.provisioning import TOKEN_PREFIX
from roster.permissions import PROVISIONING_PERMISSIONS, allows
from roster.ports.provisioning import provisioning_tokens
from roster.routes import SCIM_API, UNLISTED, lookup
from roster.services.authorizer import Decision, bearer_token
from roster.services.provisioning import DIGEST_PURPOSE, actor_id

LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 128  # rstp_ + 43 characters today; room for a longer one later


def decide(authorization: str | None, method: str, resource: str,
           source_ip: str) -> Decision:
    """Raise ``Unauthorized`` unless a live provisioning token is presented; otherwise
    allow or deny the route."""
    token = bearer_token(authorization)
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized()
    store = provisioning_tokens()
    digests = codes.lookup_digests(token, purpose=DIGEST_PURPOSE)
    record = store.find_provisioning_token(digests)
    now = clock.now()
    if (record is None or not codes.matches(record.digest, token, purpose=DIGEST_PURPOSE)
            or record.expired(now)):
        raise Unauthorized()
    if record.digest != digests[0]:
        # Found under the previous digest key: moved to the current one, so a token in
        # use outlives any number of key rotations (docs/operations.md).
        store.rekey_provisioning_token(record, digests[0])
        record = record.model_copy(update={"digest": digests[0]})
    caller = actor_id(record.id)
    if not ip_allowed(source_ip, record.allowedCidrs):
        return Decision(False, caller, record.id, (), frozenset(), IpNotAllowed(
            "Requests with this provisioning token are not allowed from this address"))
    since = now - LAST_USED_RESOLUTION
    if record.lastUsedAt is None or clock.parse(record.lastUsedAt) <= since:
        store.mark_provisioning_token_used(record.digest, at=clock.iso(now),
                                           unless_since=clock.iso(since))
    # a method the path does not serve reaches its ANY event (the function answers 405)
    route = lookup(method, resource)
    requirement = route.requirement if route is not None and route.api == SCIM_API \
        else UNLISTED
    return Decision(allows(requirement, PROVISIONING_PERMISSIONS), caller, record.id, (),
                    PROVISIONING_PERMISSIONS,
                    Forbidden("A provisioning token may not call this route"))
