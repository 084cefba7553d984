"""Sign-in requests and answers."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from roster.models.base import Model


class LoginRequest(Model):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class ChallengeRequest(Model):
    model_config = ConfigDict(extra="forbid")

    session: str = Field(min_length=1, max_length=200)
    challenge: Literal["TOTP_REQUIRED", "NEW_PASSWORD_REQUIRED"]
    code: str | None = Field(default=None, max_length=20)
    backupCode: str | None = Field(default=None, max_length=40)
    newPassword: str | None = Field(default=None, max_length=1024)


class RefreshRequest(Model):
    model_config = ConfigDict(extra="forbid")

    refreshToken: str = Field(min_length=1, max_length=400)


class Tokens(Model):
    status: Literal["authenticated"] = "authenticated"
    accessToken: str
    refreshToken: str
    tokenType: Literal["Bearer"] = "Bearer"
    expiresIn: int


class ChallengeAnswer(Model):
    status: Literal["challenge"] = "challenge"
    challenge: Literal["TOTP_REQUIRED", "NEW_PASSWORD_REQUIRED"]
    session: str


SignInResult = Tokens | ChallengeAnswer
