"""Sign-in requests and answers."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from roster.models.base import Model

# Where a sign-in's refresh token goes: the answer's body (every client but the web
# app) or an ``HttpOnly`` cookie scoped to ``/auth`` that scripts cannot read (the app).
RefreshTokenAs = Literal["body", "cookie"]
REFRESH_TOKEN_AS = ('`"cookie"`: the refresh token is not in the answer\'s body but set as '
                    "an `HttpOnly`, `SameSite=Strict` cookie scoped to `/auth` (`Secure` "
                    "when deployed), which `/auth/refresh` and `/auth/logout` read "
                    '(docs/api.md "The refresh token as a cookie"). `"body"` (the '
                    "default): in the body.")


class LoginRequest(Model):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    refreshTokenAs: RefreshTokenAs = Field(default="body", description=REFRESH_TOKEN_AS)


class ChallengeRequest(Model):
    model_config = ConfigDict(extra="forbid")

    session: str = Field(min_length=1, max_length=200)
    challenge: Literal["TOTP_REQUIRED", "NEW_PASSWORD_REQUIRED"]
    code: str | None = Field(default=None, max_length=20)
    backupCode: str | None = Field(default=None, max_length=40)
    newPassword: str | None = Field(default=None, max_length=1024)
    refreshTokenAs: RefreshTokenAs = Field(default="body", description=REFRESH_TOKEN_AS)


class RefreshRequest(Model):
    model_config = ConfigDict(extra="forbid")

    refreshToken: str | None = Field(
        default=None, min_length=1, max_length=400,
        description="The refresh token; required unless the request carries the refresh "
                    "cookie (then the new one is set as that cookie, not returned here).")


class Tokens(Model):
    status: Literal["authenticated"] = "authenticated"
    accessToken: str
    refreshToken: str
    tokenType: Literal["Bearer"] = "Bearer"
    expiresIn: int


class CookieTokens(Model):
    """Tokens whose refresh token went into the ``Set-Cookie`` header, not the body."""

    status: Literal["authenticated"] = "authenticated"
    accessToken: str
    tokenType: Literal["Bearer"] = "Bearer"
    expiresIn: int


class ChallengeAnswer(Model):
    status: Literal["challenge"] = "challenge"
    challenge: Literal["TOTP_REQUIRED", "NEW_PASSWORD_REQUIRED"]
    session: str


SignInResult = Tokens | ChallengeAnswer
