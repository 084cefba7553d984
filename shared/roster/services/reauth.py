"""Re-authentication: the current password asked again before a sensitive self-service
step (``POST /me/password``; ``PATCH /me`` with ``email``, ``phone`` or ``mobilePhone``;
``POST /me/two-factor``). A stolen access token alone must not be enough for them.

Every guess spends an attempt of the agent's re-authentication throttle before it is
compared (``roster.repository.password_attempts``); a right one gives it back. That throttle is
not the sign-in one, so a stolen session cannot lock its owner out of signing in.
"""

from __future__ import annotations

from roster import passwords
from roster.config import get_settings
from roster.errors import InvalidCredentials
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.repository import get_repository, keys


def reauthenticate(agent_id: str, given: str, credential: PasswordCredential | None, *,
                   action: str, step: str) -> None:
    """Return when ``given`` is the agent's password; else ``401 invalid_credentials``
    (``429 too_many_attempts`` with ``Retry-After`` when no attempt is left).

    ``credential`` is the agent's stored password (``None``: it has none, and no guess
    is right). A failure is audited as ``action`` with the ``step`` it guarded.
    """
    settings = get_settings()
    repository = get_repository()
    throttle = keys.password_change_throttle(agent_id)
    limits = {"max_failures": settings.password_max_failures,
              "lockout_seconds": settings.password_lockout_seconds}
    spent = repository.spend_password_attempt(throttle, **limits)
    if passwords.verify_password(credential.hash if credential else None, given):
        repository.give_back_password_attempt(throttle)
        return
    repository.record_events([AuditEvent(actorId=agent_id, action=action, targetId=agent_id,
                                         details={"reason": "wrong_password", "step": step})])
    repository.settle_password_failure(throttle, spent, **limits)
    raise InvalidCredentials("The current password is not correct")
