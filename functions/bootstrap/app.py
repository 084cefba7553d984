"""CloudFormation custom resource: creates the owner admin and emails a temporary password."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.observability import logger
from roster.services.bootstrap import create_owner
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs


def respond(event: dict[str, Any], context: LambdaContext, status: str, reason: str) -> None:
    body = json.dumps({
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": f"owner-{event['ResourceProperties']['OwnerAccount']}",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {},
    }).encode()
    request = urllib.request.Request(  # noqa: S310 - the pre-signed URL CloudFormation gave
        event["ResponseURL"], data=body, method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> None:
    status, reason = "SUCCESS", "ok"
    try:
        if event["RequestType"] in {"Create", "Update"}:
            properties = event["ResourceProperties"]
            created = create_owner(properties["OwnerAccount"], properties["OwnerEmail"], None,
                                   temporary=True)
            reason = "owner created" if created else "owner already exists"
    except Exception as error:  # report, or CloudFormation waits an hour
        logger.exception("bootstrap failed")
        status, reason = "FAILED", type(error).__name__
    respond(event, context, status, reason)
