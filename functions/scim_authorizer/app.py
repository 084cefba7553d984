"""ScimApi's Lambda authorizer (REQUEST type, result cache off): provisioning tokens only
(``roster.services.scim_authorizer``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.lambda_authorizer import answer
from roster.observability import logger
from roster.services.scim_authorizer import decide
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer(event, decide)
