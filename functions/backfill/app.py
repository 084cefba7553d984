"""The search-items backfill (no trigger: invoked by hand after upgrading, until it
answers ``"done": true``; docs/operations.md). Each run continues where the last stopped."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.observability import logger, metrics
from roster.services import backfill
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return backfill.run(context.get_remaining_time_in_millis).model_dump()
