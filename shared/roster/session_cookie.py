"""The refresh token as a cookie, for the web app (API.md v2 decisions, "Tokens in the
app"): a script in the page never sees it, so an injected one cannot steal the session.

A sign-in or a challenge answer that asks for it (``"refreshTokenAs": "cookie"``) gets
the refresh token in ``Set-Cookie`` (``HttpOnly``, ``SameSite=Strict``, ``Path=/auth``,
``Secure`` unless the local server says it serves plain HTTP) and not in the body;
``/auth/refresh`` and ``/auth/logout`` read it from the ``Cookie`` header when the body
carries none, and a refresh by cookie answers by cookie again. Every other client keeps
the body. HTTP layer: the services never see a cookie.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from roster.api import JSON, problem_response
from roster.config import get_settings
from roster.errors import RosterError
from roster.models.auth import ChallengeAnswer, CookieTokens, RefreshTokenAs, Tokens

NAME = "roster_refresh"
PATH = "/auth"  # sent with the sign-in routes only, never with the API's other calls



def with_set_cookie(description: str) -> OpenAPIResponse:
    """A route's answer in ``openapi.json`` with the refresh cookie's ``Set-Cookie``."""
    return {"description": description, "headers": {"Set-Cookie": {
        "description": f"`{NAME}=<refresh token>; Path={PATH}; Max-Age=<session lifetime>; "
                       "HttpOnly; Secure; SameSite=Strict` when the refresh token goes by "
                       "cookie (`Secure` is left out by the local server, which serves plain "
                       "HTTP); the same with an empty value and `Max-Age=0` clears it",
        "schema": {"type": "string"}}}}


def _cookie(value: str, max_age: int) -> Cookie:
    return Cookie(NAME, value, path=PATH, max_age=max_age, http_only=True,
                  secure=get_settings().refresh_cookie_secure, same_site=SameSite.STRICT_MODE)


def cleared() -> Cookie:
    """The cookie emptied and expired: the browser drops it."""
    return _cookie("", 0)


def _sent_cookie(request: Request) -> str | None:
    """The refresh token the browser sent in ``Cookie`` (every ``Cookie`` header: a
    proxy may split them), or ``None``. Parsed by hand, leniently: a malformed header
    is no cookie (the route then answers as without one), never an error."""
    event = request.resolved_event
    assert isinstance(event, APIGatewayProxyEvent)
    values = [value for name, found in (event.multi_value_headers or {}).items()
              if name.lower() == "cookie" for value in found or ()]
    if not values:
        values = [value for name, value in (event.headers or {}).items()
                  if name.lower() == "cookie" and value]
    for header in values:
        for pair in header.split(";"):
            name, equals, value = pair.strip().partition("=")
            if equals and name == NAME and value:
                return value
    return None


# A handler's parameter: the refresh token of the request's cookie, or ``None``.
RefreshCookie = Annotated[str | None, Depends(_sent_cookie)]


Answer = TypeVar("Answer", bound=Tokens | ChallengeAnswer)


def answer(result: Answer, refresh_token_as: RefreshTokenAs) -> Response[Answer | CookieTokens]:
    """A sign-in step's answer: tokens with the refresh token where the client asked
    for it (a challenge carries no token: it is answered as it is)."""
    if isinstance(result, Tokens) and refresh_token_as == "cookie":
        body = CookieTokens(accessToken=result.accessToken, expiresIn=result.expiresIn)
        return Response(200, content_type=JSON, body=body, cookies=[
            _cookie(result.refreshToken, get_settings().session_ttl_seconds)])
    return Response(200, content_type=JSON, body=result)


class CookieRefused(Exception):
    """A refresh by cookie refused for good (``invalid_token``): answered by ``refused``."""

    def __init__(self, error: RosterError) -> None:
        super().__init__(error.detail)
        self.error = error


def refused(refusal: CookieRefused) -> Response[str]:
    """The refusal's problem document, and the dead cookie cleared so the browser stops
    sending it (registered as the auth function's handler of ``CookieRefused``)."""
    response = problem_response(refusal.error.problem())
    response.cookies.append(cleared())
    return response
