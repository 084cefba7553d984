"""API Gateway Lambda authorizer (REQUEST type, result cache off)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.errors import Unauthorized
from roster.observability import logger
from roster.services.authorizer import decide
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _source_ip(event: dict[str, Any]) -> str:
    """API Gateway's view of the caller's address (never a client-set header)."""
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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
