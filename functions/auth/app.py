"""Sign-in, challenges, token refresh, logout, and revoking an agent's sessions."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from roster import session_cookie
from roster.api import Caller, SourceIp, api_handler, create_app, no_content, route
from roster.errors import InvalidToken, ValidationFailed
from roster.models.auth import (
    ChallengeAnswer,
    ChallengeRequest,
    CookieTokens,
    LoginRequest,
    RefreshRequest,
    Tokens,
)
from roster.services.sign_in import sessions, steps
from roster.session_cookie import RefreshCookie
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()


SIGN_IN_ANSWER = {200: session_cookie.with_set_cookie(
    'Tokens, or the next challenge. With `"refreshTokenAs": "cookie"` the refresh token '
    "is set as a cookie and left out of the body")}
REFRESH_ANSWER = {200: session_cookie.with_set_cookie(
    "New tokens. Refreshed by the cookie (no `refreshToken` in the body), the new refresh "
    "token is set as the cookie and left out of the body; a cookie refused as "
    "`invalid_token` is cleared")}
LOGOUT_ANSWER = {204: session_cookie.with_set_cookie(
    "The session ended; a refresh cookie sent along is cleared (and the session it names "
    "ended too, when it is another of the caller's)")}


@route(router, "POST /auth/login", responses=SIGN_IN_ANSWER)
def login(request: LoginRequest, source_ip: SourceIp,
          ) -> Response[Tokens | CookieTokens | ChallengeAnswer]:
    return session_cookie.answer(steps.login(request, source_ip), request.refreshTokenAs)


@route(router, "POST /auth/challenge", responses=SIGN_IN_ANSWER)
def challenge(request: ChallengeRequest, source_ip: SourceIp,
              ) -> Response[Tokens | CookieTokens | ChallengeAnswer]:
    return session_cookie.answer(steps.answer_challenge(request, source_ip),
                                 request.refreshTokenAs)


@route(router, "POST /auth/refresh", responses=REFRESH_ANSWER)
def refresh(source_ip: SourceIp, cookie: RefreshCookie,
            request: RefreshRequest | None = None) -> Response[Tokens | CookieTokens]:
    """The body's refresh token, answered in the body (as every client but the web app
    does); without one, the cookie's, answered by cookie (the body may then be empty)."""
    if request is not None and request.refreshToken is not None:
        return session_cookie.answer(sessions.refresh(request.refreshToken, source_ip), "body")
    if cookie is None:
        raise ValidationFailed(errors=[{
            "field": "refreshToken",
            "message": "Field required (or the refresh cookie of a cookie sign-in)"}])
    try:
        tokens = sessions.refresh(cookie, source_ip)
    except InvalidToken as error:
        raise session_cookie.CookieRefused(error) from error
    return session_cookie.answer(tokens, "cookie")


@route(router, "POST /auth/logout", status_code=204, responses=LOGOUT_ANSWER)
def logout(caller: Caller, cookie: RefreshCookie) -> Response[None]:
    """Ends the caller's session (and the refresh cookie's, when it names another of the
    caller's sessions); a refresh cookie sent along is cleared."""
    sessions.logout(caller.agent_id, caller.session_id, cookie_token=cookie)
    answer = no_content()
    if cookie is not None:
        answer.cookies.append(session_cookie.cleared())
    return answer


@route(router, "DELETE /agents/{id}/sessions", status_code=204)
def revoke_sessions(id: str, caller: Caller) -> Response[None]:
    sessions.revoke_all(caller.actor, id)
    return no_content()


app = create_app(router)
app.exception_handler(session_cookie.CookieRefused)(session_cookie.refused)
handler = api_handler(app)
