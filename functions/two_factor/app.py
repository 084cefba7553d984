"""Two-factor sign-in: enrolment, self-service turn-off, backup codes, unlock, admin reset.

The ``TOTP_REQUIRED`` challenge itself is answered on ``POST /auth/challenge`` (the auth
function), which hands it to ``roster.services.two_factor``.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import api_handler, create_app, no_content, principal, source_ip
from roster.models.two_factor import (
    BackupCodesRequest,
    CodeRequest,
    Enrolment,
    EnrolmentConfirmed,
    EnrolmentRequest,
    IssuedBackupCodes,
)
from roster.permissions import AGENTS_CREDENTIALS
from roster.services import two_factor
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()


@router.post("/me/two-factor", tags=["self-service"])
def start_enrolment(request: EnrolmentRequest) -> Enrolment:
    return two_factor.start_enrolment(principal(router).agent_id, request.currentPassword,
                                      source_ip(router))


@router.post("/me/two-factor/confirm", tags=["self-service"])
def confirm_enrolment(request: CodeRequest) -> EnrolmentConfirmed:
    return two_factor.confirm_enrolment(principal(router).agent_id, request.code)


@router.delete("/me/two-factor", tags=["self-service"], status_code=204)
def disable_own(request: CodeRequest) -> Response[str]:
    two_factor.disable_own(principal(router).agent_id, request.code, source_ip(router))
    return no_content()


@router.post("/agents/<id>/backup-codes", tags=["credentials"], status_code=201)
def issue_backup_codes(id: str, request: BackupCodesRequest | None = None) -> IssuedBackupCodes:
    caller = principal(router, require=AGENTS_CREDENTIALS)
    count = (request or BackupCodesRequest()).count
    return two_factor.issue_backup_codes(caller.actor, id, count)


@router.post("/agents/<id>/unlock", tags=["credentials"], status_code=204)
def unlock(id: str) -> Response[str]:
    caller = principal(router, require=AGENTS_CREDENTIALS)
    two_factor.unlock(caller.actor, id)
    return no_content()


@router.delete("/agents/<id>/two-factor", tags=["credentials"], status_code=204)
def reset(id: str) -> Response[str]:
    caller = principal(router, require=AGENTS_CREDENTIALS)
    two_factor.reset(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
