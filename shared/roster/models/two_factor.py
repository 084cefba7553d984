"""Two-factor sign-in: the stored TOTP credential and backup codes, requests, answers."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from roster.models.agent import AgentRecord
from roster.models.base import Model
from roster.models.credentials import Challenge, PasswordCredential

BackupCodeSource = Literal["enrolment", "admin"]


class TotpCredential(Model):
    """The TOTP seed, only ever stored KMS-encrypted (encryption context: the agent id).

    ``enrolmentId`` names one enrolment: backup codes carry it, so codes of an earlier
    enrolment never work again. ``lastStep`` is the last accepted time step; a code of
    that step or an earlier one is a replay.
    """

    encryptedSeed: str  # base64 of the KMS ciphertext blob
    enrolmentId: str
    pending: bool = True
    lastStep: int = -1
    createdAt: str
    expiresAt: str | None = None  # pending enrolments only
    enabledAt: str | None = None


class BackupCode(Model):
    """A single-use backup code, stored as its keyed digest (in the item's key)."""

    kind: Literal["backup"] = "backup"
    source: BackupCodeSource
    enrolmentId: str
    createdAt: str
    expiresAt: str | None = None  # admin-issued codes only; enrolment codes do not expire
    usedAt: str | None = None  # kept used, so a later use is known as a lost race


class TwoFactorSignIn(Model):
    """What answering a ``TOTP_REQUIRED`` challenge needs, read in one ``BatchGetItem``."""

    challenge: Challenge | None = None
    record: AgentRecord | None = None
    password: PasswordCredential | None = None
    totp: TotpCredential | None = None
    backup: BackupCode | None = None
    backupDigest: str | None = None  # the digest (current or previous key) it was found by


class CodeRequest(Model):
    """A code from the authenticator app (``POST /me/two-factor/confirm``, ``DELETE``)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20)


class EnrolmentRequest(Model):
    """``POST /me/two-factor``: the current password, asked again (re-authentication)."""

    model_config = ConfigDict(extra="forbid")

    currentPassword: str = Field(min_length=1, max_length=1024)


class BackupCodesRequest(Model):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=1, ge=1, le=10, strict=True)


class Enrolment(Model):
    secret: str
    otpauthUri: str


class EnrolmentConfirmed(Model):
    backupCodes: list[str]


class IssuedBackupCodes(Model):
    """Admin-issued codes: ``backupCodes`` as in the enrolment's answer (API.md v2: one name
    per idea); ``codes`` is the v1 name, kept."""

    backupCodes: list[str]
    codes: list[str]
    expiresAt: str
