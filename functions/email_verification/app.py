"""Email changes: the public verification link, and an admin's resend and cancel."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import api_handler, create_app, json_response, no_content, principal
from roster.models.email_change import ResendAnswer, VerificationRequest
from roster.permissions import AGENTS_WRITE
from roster.services import email_change
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()


@router.post("/email-verification", tags=["email"], security=[], status_code=204)
def verify(request: VerificationRequest) -> Response[str]:
    email_change.verify(request.token)
    return no_content()


@router.post("/agents/<id>/email-change/resend", tags=["email"], status_code=202,
             responses={202: {"description": "A new link was sent; the old one is dead",
                              "content": {"application/json": {"model": ResendAnswer}}}})
def resend(id: str) -> Response[str]:
    caller = principal(router, require=AGENTS_WRITE)
    return json_response(202, email_change.resend(caller.actor, id))


@router.delete("/agents/<id>/email-change", tags=["email"], status_code=204)
def cancel(id: str) -> Response[str]:
    caller = principal(router, require=AGENTS_WRITE)
    email_change.cancel(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
