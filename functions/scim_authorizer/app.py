"""ScimApi's Lambda authorizer (REQUEST type, result cache off): provisioning tokens only.

Until provisioning tokens exist (the next step of issue 14), every request is refused
with ``401`` (SCIM's UNAUTHORIZED gateway response)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.observability import logger
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # API Gateway answers 401 (the UNAUTHORIZED gateway response) for exactly this.
    raise Exception("Unauthorized")
