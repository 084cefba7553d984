"""Agent records, self-service profile, assignments, catalogues and the audit log."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.api import create_app, principal
from roster.errors import NotFound
from roster.models.agent import Agent
from roster.observability import logger, metrics
from roster.repository import get_repository
from roster.services.agents import agent_view

router = Router()


@router.get("/me", tags=["self-service"])
def get_me() -> Agent:
    record = get_repository().get_agent(principal(router).agent_id)
    if record is None:
        raise NotFound("No such agent")
    return agent_view(record)


app = create_app(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
