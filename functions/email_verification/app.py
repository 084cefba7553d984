"""Email changes: the public verification link, and an admin's resend and cancel."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import JSON, Caller, api_handler, create_app, no_content, route
from roster.models.email_change import ResendAnswer, VerificationRequest
from roster.services import email_change
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()


@route(router, "POST /email-verification", status_code=204)
def verify(request: VerificationRequest) -> Response[None]:
    email_change.verify(request.token)
    return no_content()


@route(router, "POST /agents/{id}/email-change/resend", status_code=202,
       response_description="A new link was sent; the old one is dead")
def resend(id: str, caller: Caller) -> Response[ResendAnswer]:
    return Response(202, content_type=JSON, body=email_change.resend(caller.actor, id))


@route(router, "DELETE /agents/{id}/email-change", status_code=204)
def cancel(id: str, caller: Caller) -> Response[None]:
    email_change.cancel(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
