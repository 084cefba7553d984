"""Sign-in, challenges, token refresh, logout, and revoking an agent's sessions."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster.api import Caller, SourceIp, api_handler, create_app, no_content, route
from roster.models.auth import (
    ChallengeAnswer,
    ChallengeRequest,
    LoginRequest,
    RefreshRequest,
    Tokens,
)
from roster.services.sign_in import sessions, steps
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()


@route(router, "POST /auth/login")
def login(request: LoginRequest, source_ip: SourceIp) -> Tokens | ChallengeAnswer:
    return steps.login(request, source_ip)


@route(router, "POST /auth/challenge")
def challenge(request: ChallengeRequest, source_ip: SourceIp) -> Tokens | ChallengeAnswer:
    return steps.answer_challenge(request, source_ip)


@route(router, "POST /auth/refresh")
def refresh(request: RefreshRequest, source_ip: SourceIp) -> Tokens:
    return sessions.refresh(request.refreshToken, source_ip)


@route(router, "POST /auth/logout", status_code=204)
def logout(caller: Caller) -> Response[None]:
    sessions.logout(caller.agent_id, caller.session_id)
    return no_content()


@route(router, "DELETE /agents/{id}/sessions", status_code=204)
def revoke_sessions(id: str, caller: Caller) -> Response[None]:
    sessions.revoke_all(caller.actor, id)
    return no_content()


app = create_app(router)
handler = api_handler(app)
