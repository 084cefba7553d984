"""Provisioning tokens: what identity providers authenticate to /scim/v2 with (create,
shown once; list; revoke). Needs ``provisioning:manage``."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from roster.api import (
    Caller,
    PageCursor,
    PageLimit,
    api_handler,
    create_app,
    no_content,
    route,
)
from roster.models.provisioning import (
    CreateProvisioningTokenRequest,
    NewProvisioningToken,
    ProvisioningTokenPage,
)
from roster.services import provisioning
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()

TokenId = Annotated[str, Path(min_length=1, max_length=64, description="The token's id")]


@route(router, "POST /provisioning-tokens", status_code=201)
def post_provisioning_token(request: CreateProvisioningTokenRequest,
                            caller: Caller) -> NewProvisioningToken:
    """The token is in this answer only: Roster keeps its keyed digest."""
    return provisioning.create_token(caller.actor, name=request.name,
                                     expires_at=request.expiresAt,
                                     allowed_cidrs=request.allowedCidrs)


@route(router, "GET /provisioning-tokens")
def get_provisioning_tokens(limit: PageLimit = 50,
                            cursor: PageCursor = None) -> ProvisioningTokenPage:
    return provisioning.list_tokens(limit=limit, page_cursor=cursor)


@route(router, "DELETE /provisioning-tokens/{id}", status_code=204)
def delete_provisioning_token(id: TokenId, caller: Caller) -> Response[None]:
    provisioning.revoke_token(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
