"""Email changes: the public verification link, and an admin's resend and cancel."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import (
    Caller,
    answer,
    api_handler,
    create_app,
    json_response,
    no_content,
    route,
)
from roster.models.email_change import ResendAnswer, VerificationRequest
from roster.services import email_change
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()


@route(router, "POST /email-verification", status_code=204)
def verify(request: VerificationRequest) -> Response[str]:
    email_change.verify(request.token)
    return no_content()


@route(router, "POST /agents/{id}/email-change/resend", status_code=202,
       responses=answer(202, "A new link was sent; the old one is dead", ResendAnswer))
def resend(id: str, caller: Caller) -> Response[str]:
    return json_response(202, email_change.resend(caller.actor, id))


@route(router, "DELETE /agents/{id}/email-change", status_code=204)
def cancel(id: str, caller: Caller) -> Response[str]:
    email_change.cancel(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
