"""Verified email changes: start (from the agents PATCH), resend, cancel, verify.

The agent's ``email`` changes only when the link sent to the new address is used; until
then the change is ``pendingEmail`` and sign-in keeps resolving the old address through
its guard. The link's token is ``<agentId>.<secret>``: the agent id names the single
token item, the secret is random (256 bits) and stored only as a keyed digest.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import timedelta

from roster import clock, codes
from roster.authorization import Act, Actor, authorize
from roster.config import get_settings
from roster.errors import (
    ConcurrentChange,
    EmailTaken,
    InvalidVerificationToken,
    NoPendingEmail,
    NotFound,
    VersionConflict,
)
from roster.models.agent import AgentRecord, PendingEmail
from roster.models.audit import AuditEvent
from roster.models.email_change import EmailChange, ResendAnswer
from roster.models.outbox import OutboxMessage
from roster.ports.agents import agent_store
from roster.ports.email_change import email_change_store
from roster.ports.site import site

TOKEN_PURPOSE = "email-change"
# The digest of a change no link can complete: a keyed digest is never empty, so
# ``codes.matches`` refuses every token for it.
NO_TOKEN = ""
_TOKEN = re.compile(
    r"(?P<agent>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\."
    r"(?P<secret>[A-Za-z0-9_-]{43})"
)


def mask_email(email: str) -> str:
    """``j***@example.com``: enough to recognise one's own address, not to learn it."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def is_live(pending: PendingEmail | None) -> bool:
    """A pending change counts until it expires, even before the cleanup removes it."""
    return pending is not None and clock.parse(pending.expiresAt) > clock.now()


VERIFY_PAGE = "/app/verify-email"  # the web app's page (API.md v2 decisions)


def verification_link(agent_id: str, secret: str) -> str:
    """The link mailed to a new address: ``VerificationUrlBase``, or the web app's page
    on the public origin, never anything a request carries (its ``Host``)."""
    base = get_settings().verification_url_base or f"{site().public_origin()}{VERIFY_PAGE}"
    return f"{base}{'&' if '?' in base else '?'}token={agent_id}.{secret}"


def _new_change(actor_id: str | None, agent_id: str, email: str) -> tuple[EmailChange, str]:
    """A fresh change with its secret (returned once, to be sealed into the message)."""
    moment = clock.now()
    expires = moment + timedelta(seconds=get_settings().email_change_ttl_seconds)
    secret = codes.opaque_token()
    change = EmailChange(agentId=agent_id, email=email,
                         digest=codes.digest(secret, purpose=TOKEN_PURPOSE),
                         expiresAt=clock.iso(expires), createdAt=clock.iso(moment),
                         requestedBy=actor_id)
    return change, secret


def _verification_message(record: AgentRecord, change: EmailChange,
                          secret: str) -> OutboxMessage:
    return OutboxMessage(
        channel="email", to=change.email, template="email_change.verify",
        language=record.language, agentId=record.id,
        params={"firstName": record.firstName, "account": record.account,
                "expiresAt": change.expiresAt, "maskedOldEmail": mask_email(record.email)},
        secret_params={"link": verification_link(record.id, secret)},
    )


def _notice(record: AgentRecord, to: str, template: str, new_email: str) -> OutboxMessage:
    return OutboxMessage(
        channel="email", to=to, template=template, language=record.language,
        agentId=record.id,
        params={"firstName": record.firstName, "account": record.account,
                "maskedNewEmail": mask_email(new_email)},
    )


def start_change(actor_id: str, record: AgentRecord, new_email: str, *,
                 self_service: bool = False) -> AgentRecord:
    """Make ``new_email`` the agent's pending address and mail the link; return the record.

    One transaction: ``pendingEmail`` (conditional on ``record.version``: ``412
    version_conflict`` when stale), the token item (replacing an earlier change, whose
    link dies), the hourly mail count (``429`` past it), the link to the new address, a
    notice to the old one, the audit event. ``409 email_taken`` when another agent has
    the address, except for ``self_service``: then the answer is the same as for a free
    address (no oracle of who is registered), but no link goes out and the change holds
    no token (nothing can verify it); the holder is told someone asked for its address.
    Asking for the current address withdraws a pending change (nothing to verify).
    """
    repository = email_change_store()
    stamp = clock.iso(clock.now())
    if new_email == record.email:
        if record.pendingEmail is None:
            return record
        repository.end_email_change(
            record.id, record.pendingEmail, updated_at=stamp, on_mismatch=VersionConflict(),
            version=record.version,
            audit=[AuditEvent(actorId=actor_id, action="agent.email_change_cancelled",
                              targetId=record.id,
                              details={"email": record.pendingEmail.email})],
        )
        return record.model_copy(update={"pendingEmail": None, "version": record.version + 1,
                                         "updatedAt": stamp})
    change, secret = _new_change(actor_id, record.id, new_email)
    holder = repository.email_holder(record.id, new_email) if self_service else None
    if holder is None:
        try:
            _store_change(record, change, [_verification_message(record, change, secret)],
                          stamp=stamp)
        except EmailTaken:
            if not self_service:
                raise
            holder = repository.email_holder(record.id, new_email)  # claimed meanwhile
            if holder is None:
                raise
    if holder is not None:
        change = change.model_copy(update={"digest": NO_TOKEN})
        _store_change(record, change, _address_in_use_notices(record, holder, new_email),
                      stamp=stamp, address_in_use=True)
    return record.model_copy(update={"pendingEmail": change.pending,
                                     "version": record.version + 1, "updatedAt": stamp})


def _address_in_use_notices(record: AgentRecord, holder: AgentRecord | None,
                            email: str) -> list[OutboxMessage]:
    """To the address's holder: someone asked to use it, nothing changed (no link)."""
    if holder is None:
        return []
    return [OutboxMessage(
        channel="email", to=holder.email, template="email_change.address_in_use",
        language=holder.language, agentId=holder.id,
        params={"firstName": holder.firstName, "account": holder.account,
                "maskedNewEmail": mask_email(email)})]


def _store_change(record: AgentRecord, change: EmailChange, messages: list[OutboxMessage],
                  *, stamp: str, address_in_use: bool = False) -> None:
    email_change_store().start_email_change(
        record, change, updated_at=stamp, on_stale=VersionConflict(),
        mail_limit=get_settings().email_change_requests_per_hour,
        address_in_use=address_in_use,
        audit=[AuditEvent(actorId=change.requestedBy, action="agent.email_change_requested",
                          targetId=record.id,
                          details={"email": change.email, "previousEmail": record.email,
                                   **({"addressInUse": True} if address_in_use else {})})],
        messages=[*messages, _notice(record, record.email, "email_change.notice",
                                     change.email)],
    )


def _pending_of(actor: Actor, agent_id: str) -> tuple[AgentRecord, PendingEmail]:
    """The agent's live pending change, once ``actor`` may resend or cancel it."""
    record = agent_store().get_agent(agent_id)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, Act.EMAIL_CHANGE)
    if record.pendingEmail is None or not is_live(record.pendingEmail):
        raise NoPendingEmail()
    return record, record.pendingEmail


def resend(actor: Actor, agent_id: str) -> ResendAnswer:
    """A new link (and a fresh lifetime) for the pending address; the old link dies.
    A change without a token (another agent's address) gets none now either: its
    holder is told again instead."""
    record, pending = _pending_of(actor, agent_id)
    change, secret = _new_change(actor.id, agent_id, pending.email)
    repository = email_change_store()
    previous = repository.load_email_change(agent_id)[1]
    if previous is not None and previous.digest == NO_TOKEN:
        change = change.model_copy(update={"digest": NO_TOKEN})
        messages = _address_in_use_notices(
            record, repository.email_holder(agent_id, pending.email), pending.email)
    else:
        messages = [_verification_message(record, change, secret)]
    repository.reissue_email_change(
        pending, change, updated_at=change.createdAt,
        mail_limit=get_settings().email_change_requests_per_hour,
        audit=[AuditEvent(actorId=actor.id, action="agent.email_change_resent",
                          targetId=agent_id, details={"email": pending.email})],
        messages=messages,
    )
    return ResendAnswer(pendingEmail=change.pending)


def cancel(actor: Actor, agent_id: str) -> None:
    """Withdraw the pending change; its link dies with it."""
    _, pending = _pending_of(actor, agent_id)
    email_change_store().end_email_change(
        agent_id, pending, updated_at=clock.iso(clock.now()),
        audit=[AuditEvent(actorId=actor.id, action="agent.email_change_cancelled",
                          targetId=agent_id, details={"email": pending.email})],
    )


def verify(token: str) -> None:
    """Use a link: the pending address becomes the agent's email (guards swapped).

    ``400 invalid_token`` for a token that is malformed, unknown, used, replaced,
    cancelled or expired (one answer: which one is nobody's business). ``409
    email_taken`` when another agent took the address meanwhile; the change is then
    dropped, since it can never succeed.
    """
    match = _TOKEN.fullmatch(token.strip())
    if match is None:
        raise InvalidVerificationToken()
    agent_id, secret = match["agent"], match["secret"]
    repository = email_change_store()
    record, change = repository.load_email_change(agent_id)
    if (record is None or change is None
            or not codes.matches(change.digest, secret, purpose=TOKEN_PURPOSE)
            or not is_live(change.pending) or record.pendingEmail != change.pending):
        raise InvalidVerificationToken()
    stamp = clock.iso(clock.now())
    try:
        repository.complete_email_change(
            record, change, updated_at=stamp,
            audit=[AuditEvent(actorId=agent_id, action="agent.email_changed",
                              targetId=agent_id,
                              details={"email": change.email, "previousEmail": record.email})],
            messages=[_notice(record, address, "email_change.confirmed", change.email)
                      for address in {a.lower(): a for a in (change.email, record.email)}
                      .values()],
        )
    except EmailTaken:
        # Ended meanwhile (cancelled, replaced or expired)? Then there is nothing to drop.
        with suppress(ConcurrentChange):
            repository.end_email_change(
                agent_id, change.pending, updated_at=stamp,
                audit=[AuditEvent(actorId=None, action="agent.email_change_dropped",
                                  targetId=agent_id,
                                  details={"email": change.email, "reason": "email_taken"})],
            )
        raise
