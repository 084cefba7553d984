"""Email changes: the stored single-use token and the bodies of the verification routes."""

from __future__ import annotations

from pydantic import ConfigDict

from roster.models.agent import PendingEmail
from roster.models.base import Model


class EmailChange(Model):
    """The pending change of one agent (one at a time: a new one replaces it).

    ``digest`` is the keyed digest of the link's secret; the secret itself is never
    stored (the outbox item carries it sealed until the link is sent).
    ``expiresAt`` equals the profile's ``pendingEmail.expiresAt``: it names the change.
    """

    model_config = ConfigDict(extra="ignore")

    agentId: str
    email: str
    digest: str
    expiresAt: str
    createdAt: str
    requestedBy: str | None = None

    @property
    def pending(self) -> PendingEmail:
        return PendingEmail(email=self.email, expiresAt=self.expiresAt)


class VerificationRequest(Model):
    model_config = ConfigDict(extra="forbid")

    token: str


class ResendAnswer(Model):
    """``202``: a new link is on its way; the pending change as it now stands."""

    status: str = "accepted"
    pendingEmail: PendingEmail

