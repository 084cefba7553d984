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
    """Wrong passwords counted against one key (an agent, an agent and a source IP, an
    unknown login string, a re-authentication): attempts spent, lockouts so far, the
    running lockout; for a (agent, source IP) pair, its last successful sign-in."""

    failures: int = 0
    pending: int = 0  # attempts spent and still being compared
    lockouts: int = 0
    lockedUntil: str | None = None
    lastAttemptAt: int | None = None
    lastSuccessAt: str | None = None


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
    epoch: int = -1  # the agent's session epoch when issued (-1: none, never current)


class SignInThrottles(Model):
    """The password throttles of a verified sign-in: the agent's from every source and
    from ``sourceIp``. A verified password resets them; a finished sign-in also marks the
    source as one the agent signs in from (``lastSuccessAt``)."""

    agentId: str
    sourceIp: str
    spentSource: bool = True  # this request spent an attempt from the source's count
    spentEverywhere: bool = True  # ... and from the subject's count from every source


class SignInState(Model):
    """Everything a sign-in needs, read in as few round trips as the key layout allows."""

    agent_id: str | None = None
    password: PasswordCredential | None = None
