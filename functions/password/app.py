"""Password recovery by code, the agent's own password change, and admin password resets."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import JSON, Caller, SourceIp, api_handler, create_app, no_content, route
from roster.models.passwords import (
    AdminPasswordRequest,
    ChangePasswordRequest,
    ForgotPasswordAnswer,
    ForgotPasswordRequest,
    ResetPasswordRequest,
    TemporaryPasswordAnswer,
)
from roster.services.sign_in import credentials, recovery
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()


@route(router, "POST /password/forgot", status_code=202,
       response_description="Accepted, whether or not the login exists")
def forgot(request: ForgotPasswordRequest) -> Response[ForgotPasswordAnswer]:
    recovery.forgot(request)
    return Response(202, content_type=JSON, body=ForgotPasswordAnswer())


@route(router, "POST /password/reset", status_code=204)
def reset(request: ResetPasswordRequest) -> Response[None]:
    recovery.reset(request)
    return no_content()


@route(router, "POST /me/password", status_code=204)
def change_own(request: ChangePasswordRequest, caller: Caller,
               source_ip: SourceIp) -> Response[None]:
    credentials.change_own_password(caller.agent_id, caller.session_id, request,
                                    source_ip=source_ip)
    return no_content()


# Two answers: the annotation (its ``None`` the 204's) cannot document them apart, so
# the 200's model is named here.
@route(router, "POST /agents/{id}/password",
       responses={200: {"description": "A generated temporary password, shown once",
                        "content": {JSON: {"model": TemporaryPasswordAnswer}}},
                  204: {"description": "The password was set"}})
def set_by_admin(id: str, request: AdminPasswordRequest,
                 caller: Caller) -> Response[TemporaryPasswordAnswer | None]:
    generated = credentials.set_by_admin(caller.actor, id, request)
    if generated is None:
        return Response(204)
    return Response(200, content_type=JSON,
                    body=TemporaryPasswordAnswer(temporaryPassword=generated),
                    headers={"Cache-Control": "no-store"})


app = create_app(router)
handler = api_handler(app)
