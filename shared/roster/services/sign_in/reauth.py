"""Re-authentication: the current password asked again before a sensitive self-service
step (``POST /me/password``; ``PATCH /me`` with ``email``, ``phone`` or ``mobilePhone``;
``POST /me/two-factor``). A stolen access token alone must not be enough for them.

A wrong current password is a password failure like a wrong sign-in (API.md v2): it is
counted, before the comparison, in the sign-in's own counts (per agent and source IP, and
the per-agent ceiling: ``attempts.spend``). So a stolen token used from
elsewhere throttles only that address, never the agent's own, and sign-in and
re-authentication together get no more guesses than sign-in alone.
"""

from __future__ import annotations

from roster import passwords
from roster.errors import InvalidCredentials
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.ports.audit import audit_log
from roster.services.sign_in import attempts


def reauthenticate(agent_id: str, given: str, credential: PasswordCredential | None, *,
                   source_ip: str, action: str, step: str) -> None:
    """Return when ``given`` is the agent's password; else ``401 invalid_credentials``
    (``429 too_many_attempts`` with ``Retry-After`` when no attempt is left).

    ``credential`` is the agent's stored password (``None``: it has none, and no guess
    is right). A failure is audited as ``action`` with the ``step`` it guarded.
    """
    spent = attempts.spend(agent_id, source_ip)
    if passwords.verify_password(credential.hash if credential else None, given):
        attempts.give_back(spent)
        return
    audit_log().record_events([AuditEvent(
        actorId=agent_id, action=action, targetId=agent_id,
        details={"reason": "wrong_password", "step": step, "sourceIp": source_ip})])
    attempts.settle_failure(spent)
    raise InvalidCredentials("The current password is not correct")
