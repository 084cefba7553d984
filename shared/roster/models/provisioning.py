"""Provisioning tokens (SCIM's credentials) as requested, stored and shown.

The token itself (``rstp_`` + 32 random bytes) is shown once, in ``NewProvisioningToken``;
the table keeps only its keyed digest (``roster.codes``), and no answer carries either.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

from roster import clock
from roster.allowlist import Cidr
from roster.models.base import Model

TOKEN_PREFIX = "rstp_"
TOKEN_BYTES = 32
MAX_ALLOWED_CIDRS = 50


def _in_utc(value: datetime) -> datetime:
    """The time in UTC (``9999-12-31T23:59:59-23:59`` has none: refused, not a 500)."""
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("is out of range") from error


UtcTime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class CreateProvisioningTokenRequest(Model):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100,
                      description="What the token is for (e.g. 'Entra ID production')")
    expiresAt: UtcTime | None = Field(
        default=None, description="When the token stops working (ISO 8601 with a zone, "
                                  "in the future); none: until revoked")
    allowedCidrs: list[Cidr] = Field(
        default_factory=list, max_length=MAX_ALLOWED_CIDRS,
        description="Source addresses the token works from (CIDR blocks); empty: any")


class ProvisioningToken(Model):
    """A token as listed: never the token nor its digest."""

    id: str
    name: str
    createdAt: str
    expiresAt: str | None
    allowedCidrs: list[str]
    lastUsedAt: str | None = Field(
        description="The last request that used it, to the minute (null: never used)")


class NewProvisioningToken(Model):
    """The answer to its creation: the only time ``token`` is shown."""

    id: str
    name: str
    token: str = Field(description="rstp_...: shown once; Roster keeps only its keyed digest")
    createdAt: str
    expiresAt: str | None
    allowedCidrs: list[str]


class ProvisioningTokenPage(Model):
    items: list[ProvisioningToken]
    nextCursor: str | None


class ProvisioningTokenRecord(Model):
    """A token as stored (under its digest, which the authorizer reads it by)."""

    id: str
    name: str
    digest: str
    createdAt: str
    createdBy: str
    expiresAt: str | None = None
    allowedCidrs: list[str] = Field(default_factory=list)
    lastUsedAt: str | None = None

    def shown(self) -> ProvisioningToken:
        return ProvisioningToken(id=self.id, name=self.name, createdAt=self.createdAt,
                                 expiresAt=self.expiresAt, allowedCidrs=self.allowedCidrs,
                                 lastUsedAt=self.lastUsedAt)

    def expired(self, now: datetime) -> bool:
        return self.expiresAt is not None and clock.parse(self.expiresAt) <= now
