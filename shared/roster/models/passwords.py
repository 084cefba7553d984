"""Password changes and recovery: request bodies, answers and the stored recovery code."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import ConfigDict, Field, model_validator

from roster.models.base import Model
from roster.models.outbox import Channel

# Wide enough for any policy setting (the policy names ``max_length`` itself); the bound
# only keeps absurd bodies away from the password hash.
PasswordField = Field(min_length=1, max_length=1024)


class ForgotPasswordRequest(Model):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, max_length=254)
    channel: Channel


class ForgotPasswordAnswer(Model):
    status: Literal["accepted"] = "accepted"


class ResetPasswordRequest(Model):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, max_length=254)
    code: str = Field(min_length=1, max_length=64)
    newPassword: str = PasswordField


class ChangePasswordRequest(Model):
    model_config = ConfigDict(extra="forbid")

    currentPassword: str = PasswordField
    newPassword: str = PasswordField


class AdminPasswordRequest(Model):
    """``{newPassword, confirmPassword, forcePasswordChange?}`` or ``{generate: true}``.

    ``forcePasswordChange`` is the one name ``POST /agents`` uses too (API.md v2); the
    v1 name ``forceChange`` is still accepted (giving both, they must agree).
    """

    model_config = ConfigDict(extra="forbid")

    newPassword: str | None = Field(default=None, min_length=1, max_length=1024)
    confirmPassword: str | None = Field(default=None, min_length=1, max_length=1024)
    forcePasswordChange: bool | None = Field(
        default=None, description="Must the agent change it at next sign-in (default true)")
    forceChange: bool | None = Field(default=None, deprecated=True,
                                     description="v1 name of forcePasswordChange")
    generate: bool = False

    @property
    def force_change(self) -> bool | None:
        return self.forcePasswordChange if self.forcePasswordChange is not None \
            else self.forceChange

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.forcePasswordChange is not None and self.forceChange is not None
                and self.forcePasswordChange != self.forceChange):
            raise ValueError("forcePasswordChange and forceChange disagree; give one")
        given = self.newPassword is not None or self.confirmPassword is not None
        if self.generate and given:
            raise ValueError("give either generate: true or newPassword and confirmPassword")
        if not self.generate and (self.newPassword is None or self.confirmPassword is None):
            raise ValueError("newPassword and confirmPassword are required "
                             "(or generate: true)")
        if self.generate and self.force_change is False:
            raise ValueError("a generated password is always temporary "
                             "(forcePasswordChange: true)")
        return self


class TemporaryPasswordAnswer(Model):
    temporaryPassword: str


class RecoveryCode(Model):
    """The agent's live recovery code: a digest, never the code."""

    codeDigest: str
    expiresAt: str
    channel: Channel
    attempts: int = 0
