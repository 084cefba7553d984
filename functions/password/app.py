"""Password recovery by code, the agent's own password change, and admin password resets."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import (
    api_handler,
    create_app,
    json_response,
    no_content,
    principal,
    source_ip,
)
from roster.models.passwords import (
    AdminPasswordRequest,
    ChangePasswordRequest,
    ForgotPasswordAnswer,
    ForgotPasswordRequest,
    ResetPasswordRequest,
    TemporaryPasswordAnswer,
)
from roster.permissions import AGENTS_CREDENTIALS
from roster.services import credentials, recovery
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()


@router.post("/password/forgot", tags=["password recovery"], status_code=202, security=[],
             responses={202: {"description": "Accepted, whether or not the login exists",
                              "content": {"application/json": {
                                  "model": ForgotPasswordAnswer}}}})
def forgot(request: ForgotPasswordRequest) -> Response[str]:
    recovery.forgot(request)
    return json_response(202, ForgotPasswordAnswer())


@router.post("/password/reset", tags=["password recovery"], status_code=204, security=[])
def reset(request: ResetPasswordRequest) -> Response[str]:
    recovery.reset(request)
    return no_content()


@router.post("/me/password", tags=["self-service"], status_code=204)
def change_own(request: ChangePasswordRequest) -> Response[str]:
    caller = principal(router)
    credentials.change_own_password(caller.agent_id, caller.session_id, request,
                                    source_ip=source_ip(router))
    return no_content()


@router.post("/agents/<id>/password", tags=["credentials"],
             responses={200: {"description": "A generated temporary password, shown once",
                              "content": {"application/json": {
                                  "model": TemporaryPasswordAnswer}}},
                        204: {"description": "The password was set"}})
def set_by_admin(id: str, request: AdminPasswordRequest) -> Response[str]:
    caller = principal(router, require=AGENTS_CREDENTIALS)
    generated = credentials.set_by_admin(caller.actor, id, request)
    if generated is None:
        return no_content()
    return json_response(200, TemporaryPasswordAnswer(temporaryPassword=generated),
                         headers={"Cache-Control": "no-store"})


app = create_app(router)
handler = api_handler(app)
