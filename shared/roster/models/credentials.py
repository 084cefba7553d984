"""Stored secrets and sign-in state, each in an item apart from the profile."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from roster.models.base import Model

ChallengeKind = Literal["TOTP_REQUIRED", "NEW_PASSWORD_REQUIRED"]


class PasswordCredential(Model):
    hash: str
    temporary: bool = False
    expiresAt: str | None = None  # temporary passwords only
    setAt: str


class LoginThrottle(Model):
    """Consecutive wrong passwords for one login string, known or not."""

    failures: int = 0
    lockouts: int = 0
    lockedUntil: str | None = None


class SessionRecord(Model):
    id: str
    agentId: str
    refreshDigest: str
    previousDigests: list[str] = Field(default_factory=list)
    epoch: int
    createdAt: str
    expiresAt: str


class Challenge(Model):
    """A half-finished sign-in, named by a single-use random token (stored as its digest)."""

    digest: str
    agentId: str
    kind: ChallengeKind
    expiresAt: str
    passwordVerified: bool = True


class SignInState(Model):
    """Everything a sign-in needs, read in as few round trips as the key layout allows."""

    agent_id: str | None = None
    throttle: LoginThrottle | None = None
    password: PasswordCredential | None = None
