"""SCIM 2.0 at ``/scim/v2`` (ScimApi): discovery, Users and Groups, for identity
providers holding a provisioning token. Answers and errors in SCIM's schemas
(``roster.scim_api``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from roster.api import api_handler, route
from roster.models.scim_discovery import service_provider_config
from roster.scim_api import create_scim_app
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()


@route(router, "GET /scim/v2/ServiceProviderConfig")
def get_service_provider_config() -> dict[str, Any]:
    return service_provider_config()


app = create_scim_app(router)
handler = api_handler(app)
