"""Two-factor sign-in: enrolment, self-service turn-off, backup codes, unlock, admin reset.

The ``TOTP_REQUIRED`` challenge itself is answered on ``POST /auth/challenge`` (the auth
function), which hands it to ``roster.services.sign_in.totp_answer``.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import Caller, SourceIp, api_handler, create_app, no_content, route
from roster.models.two_factor import (
    BackupCodesRequest,
    CodeRequest,
    Enrolment,
    EnrolmentConfirmed,
    EnrolmentRequest,
    IssuedBackupCodes,
)
from roster.services.sign_in import two_factor
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()


@route(router, "POST /me/two-factor")
def start_enrolment(request: EnrolmentRequest, caller: Caller,
                    source_ip: SourceIp) -> Enrolment:
    return two_factor.start_enrolment(caller.agent_id, request.currentPassword, source_ip)


@route(router, "POST /me/two-factor/confirm")
def confirm_enrolment(request: CodeRequest, caller: Caller) -> EnrolmentConfirmed:
    return two_factor.confirm_enrolment(caller.agent_id, request.code)


@route(router, "DELETE /me/two-factor", status_code=204)
def disable_own(request: CodeRequest, caller: Caller, source_ip: SourceIp) -> Response[None]:
    two_factor.disable_own(caller.agent_id, request.code, source_ip)
    return no_content()


@route(router, "POST /agents/{id}/backup-codes", status_code=201)
def issue_backup_codes(id: str, caller: Caller,
                       request: BackupCodesRequest | None = None) -> IssuedBackupCodes:
    count = (request or BackupCodesRequest()).count
    return two_factor.issue_backup_codes(caller.actor, id, count)


@route(router, "POST /agents/{id}/unlock", status_code=204)
def unlock(id: str, caller: Caller) -> Response[None]:
    two_factor.unlock(caller.actor, id)
    return no_content()


@route(router, "DELETE /agents/{id}/two-factor", status_code=204)
def reset(id: str, caller: Caller) -> Response[None]:
    two_factor.reset(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
