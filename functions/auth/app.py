"""Sign-in, challenges, token refresh, logout, and revoking an agent's sessions."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import api_handler, create_app, no_content, principal, source_ip
from roster.models.auth import (
    ChallengeAnswer,
    ChallengeRequest,
    LoginRequest,
    RefreshRequest,
    Tokens,
)
from roster.permissions import AGENTS_CREDENTIALS
from roster.services import auth, sessions
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()


@router.post("/auth/login", tags=["sign-in"], security=[])
def login(request: LoginRequest) -> Tokens | ChallengeAnswer:
    return auth.login(request, source_ip(router))


@router.post("/auth/challenge", tags=["sign-in"], security=[])
def challenge(request: ChallengeRequest) -> Tokens | ChallengeAnswer:
    return auth.answer_challenge(request, source_ip(router))


@router.post("/auth/refresh", tags=["sign-in"], security=[])
def refresh(request: RefreshRequest) -> Tokens:
    return sessions.refresh(request.refreshToken, source_ip(router))


@router.post("/auth/logout", tags=["sign-in"], status_code=204)
def logout() -> Response[str]:
    caller = principal(router)
    sessions.logout(caller.agent_id, caller.session_id)
    return no_content()


@router.delete("/agents/<id>/sessions", tags=["credentials"], status_code=204)
def revoke_sessions(id: str) -> Response[str]:
    caller = principal(router, require=AGENTS_CREDENTIALS)
    sessions.revoke_all(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
