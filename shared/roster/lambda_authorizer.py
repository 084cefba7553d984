"""What both Lambda authorizers (the main API's and ScimApi's) share: reading API
Gateway's REQUEST event, and answering it with a policy and a context, or ``401``.

Each function passes its own decision (``roster.services.authorizer.decide`` or
``roster.services.scim_authorizer.decide``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roster.errors import Unauthorized
from roster.observability import logger
from roster.services.authorizer import Decision

Decide = Callable[[str | None, str, str, str], Decision]


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _source_ip(event: dict[str, Any]) -> str:
    """API Gateway's view of the caller's address (never a client-set header)."""
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "")


def answer(event: dict[str, Any], decide: Decide) -> dict[str, Any]:
    """The authorizer's output for ``event``: Allow or Deny (its context naming the
    caller, or the refusal the ACCESS_DENIED gateway response shows)."""
    try:
        decision = decide(
            _header(event.get("headers"), "authorization"),
            str(event.get("httpMethod", "")),
            str(event.get("resource", "")),
            _source_ip(event),
        )
    except Unauthorized:
        # API Gateway answers 401 (the UNAUTHORIZED gateway response) for exactly this.
        raise Exception("Unauthorized") from None
    logger.info("authorized", extra={"allow": decision.allow, "agent_id": decision.agent_id,
                                     "resource": event.get("resource"),
                                     "refusal": None if decision.allow
                                     else decision.context()["code"]})
    return {
        "principalId": decision.agent_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": "Allow" if decision.allow else "Deny",
                "Resource": event["methodArn"],
            }],
        },
        "context": decision.context(),
    }
