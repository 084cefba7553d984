"""Setting passwords: the rules and notices every path shares (the
``NEW_PASSWORD_REQUIRED`` step and recovery use them too), the agent's own change and an
administrator's. Every path checks the policy, writes the argon2id hash, moves the session
epoch on (every earlier session dies) and notifies the agent, in one write.
"""

from __future__ import annotations

from datetime import timedelta

from roster import clock, password_policy, passwords
from roster.authorization import Act, Actor, authorize
from roster.config import get_settings
from roster.errors import (
    ConcurrentChange,
    NotFound,
    PasswordExists,
    PasswordMismatch,
    Unauthorized,
)
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.models.outbox import Channel, OutboxMessage
from roster.models.passwords import AdminPasswordRequest, ChangePasswordRequest
from roster.ports.credentials import PasswordChange, credentials
from roster.services.sign_in.reauth import reauthenticate

SAME_AS_CURRENT = ("same_as_current", "must differ from the current password")


# ---------------------------------------------------------------------- shared helpers
def new_credential(password: str, *, temporary: bool) -> PasswordCredential:
    """An argon2id credential; a temporary one expires after the configured lifetime."""
    moment = clock.now()
    expires = None
    if temporary:
        expires = clock.iso(moment + timedelta(seconds=get_settings().temp_password_ttl_seconds))
    return PasswordCredential(hash=passwords.hash_password(password), temporary=temporary,
                              expiresAt=expires, setAt=clock.iso(moment))


def enforce_policy(password: str, record: AgentRecord, *, current_hash: str | None = None,
                   same_as_current: bool = False, field: str = "newPassword") -> None:
    """``422 password_policy`` naming every failed rule; the new password must also
    differ from the current one (``same_as_current``, or checked against
    ``current_hash`` when the current password is not at hand)."""
    also = []
    if same_as_current or (
        current_hash is not None and passwords.verify_password(current_hash, password)
    ):
        also.append(SAME_AS_CURRENT)
    password_policy.check(password, account=record.account, email=record.email, field=field,
                          also=also)


def sms_number(record: AgentRecord) -> str | None:
    """The mobile phone in E.164 (stored so; a ``00`` prefix is turned into ``+``)."""
    number = (record.mobilePhone or "").strip()
    if number.startswith("00"):
        number = "+" + number[2:]
    return number if number.startswith("+") and number[1:].isdigit() else None


def destinations(record: AgentRecord) -> list[tuple[Channel, str]]:
    """Every channel the agent can be reached on: its email, and SMS with a mobile."""
    reachable: list[tuple[Channel, str]] = [("email", record.email)]
    number = sms_number(record)
    if number:
        reachable.append(("sms", number))
    return reachable


def notices(record: AgentRecord, template: str, **params: str) -> list[OutboxMessage]:
    """The same notice on every channel the agent has (a change made with one channel
    is reported on the others too)."""
    values = {"firstName": record.firstName, "account": record.account, **params}
    return [
        OutboxMessage(channel=channel, to=address, template=template,
                      language=record.language, agentId=record.id, params=values)
        for channel, address in destinations(record)
    ]


def readable(stamp: str) -> str:
    """``2026-11-23T17:09:36Z`` as ``2026-11-23 17:09:36`` (UTC) for message text."""
    return stamp.replace("T", " ").removesuffix("Z")


def changed_notices(record: AgentRecord, credential: PasswordCredential) -> list[OutboxMessage]:
    """The "your password was changed" notice, on every channel the agent has."""
    return notices(record, "password.changed", changedAt=readable(credential.setAt))


# ---------------------------------------------------------------------- self-service
def change_own_password(agent_id: str, session_id: str, request: ChangePasswordRequest, *,
                        source_ip: str) -> None:
    """``POST /me/password``: the current password is required; every other session of
    the agent is revoked, the caller's own is moved to the new epoch and stays.

    Wrong current passwords count as password failures (counted before compared:
    ``reauth``), so a stolen session cannot be used to guess it.
    """
    store = credentials()
    record, session, current = store.load_password_change(agent_id, session_id)
    if record is None or session is None or session.epoch != record.sessionEpoch:
        raise Unauthorized()
    reauthenticate(record.id, request.currentPassword, current, source_ip=source_ip,
                   action="password.change_failed", step="password_change")
    assert current is not None  # a right guess needs a stored password
    # the current password was just verified: "the same" is a plain comparison
    enforce_policy(request.newPassword, record,
                   same_as_current=request.newPassword == request.currentPassword)
    credential = new_credential(request.newPassword, temporary=False)
    store.replace_password(
        record, credential,
        PasswordChange(expected_hash=current.hash, expected_epoch=record.sessionEpoch,
                       keep_session=session.id,
                       failure=ConcurrentChange("The password or the sessions changed "
                                                "meanwhile; try again")),
        audit=[AuditEvent(actorId=record.id, action="password.changed", targetId=record.id,
                          details={"via": "self", "sessionKept": session.id})],
        messages=changed_notices(record, credential),
    )


# ---------------------------------------------------------------------- administrators
def set_by_admin(actor: Actor, agent_id: str, request: AdminPasswordRequest, *,
                 first_only: bool = False) -> str | None:
    """``POST /agents/{id}/password``; returns the generated password (shown once).

    ``first_only`` (SCIM's ``password``): only for an agent with no password yet, checked
    on the record the write is conditional on (``PasswordExists`` otherwise), so a
    password the agent set meanwhile is never replaced.

    ``roster.authorization`` decides who may: not on one's own account (``POST
    /me/password`` asks for the current password, which a stolen session does not
    have), only over an agent holding no permission the caller lacks (else a manager
    could take over a more powerful account), never the owner's but by the owner.
    """
    store = credentials()
    record = store.get_agent(agent_id)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, Act.PASSWORD)
    if first_only and record.passwordStatus != "none":
        raise PasswordExists("The agent has a password already: it changes it itself, or "
                             "an admin resets it")
    if request.generate:
        chosen = password_policy.generate(account=record.account, email=record.email)
        temporary = True
    else:
        assert request.newPassword is not None and request.confirmPassword is not None
        if request.newPassword != request.confirmPassword:
            raise PasswordMismatch(errors=[{"field": "confirmPassword",
                                            "message": "must equal newPassword"}])
        enforce_policy(request.newPassword, record)
        chosen = request.newPassword
        temporary = True if request.force_change is None else request.force_change
    credential = new_credential(chosen, temporary=temporary)
    changed_at = readable(credential.setAt)
    if temporary:
        assert credential.expiresAt is not None
        messages = notices(record, "password.admin_temporary", changedAt=changed_at,
                           expiresAt=readable(credential.expiresAt))
    else:
        messages = notices(record, "password.admin_set", changedAt=changed_at)
    store.replace_password(
        record, credential, PasswordChange(expected_version=record.version),
        audit=[AuditEvent(actorId=actor.id, action="password.set_by_admin",
                          targetId=record.id,
                          details={"generated": request.generate, "temporary": temporary})],
        messages=messages,
    )
    return chosen if request.generate else None
