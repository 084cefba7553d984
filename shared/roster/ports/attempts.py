"""Password attempts counted before the password is compared (sign-in and
re-authentication share the counts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from roster.models.credentials import LoginThrottle
from roster.ports import Port


@dataclass(frozen=True)
class Throttle:
    """One count of password attempts: an agent's (its account and email share it) or,
    when the login names nobody (``agent_id`` ``None``), that login string's; from one
    ``source_ip``, or from every source (``None``: the per-agent ceiling)."""

    agent_id: str | None
    login: str = ""
    source_ip: str | None = None

    def everywhere(self) -> Throttle:
        return Throttle(self.agent_id, self.login, None)


class PasswordAttempts(Protocol):
    def spend_password_attempt(self, throttle: Throttle, *, max_failures: int,
                               lockout_seconds: int) -> LoginThrottle:
        """Spend one attempt (the count after it), or raise ``TooManyAttempts`` (with
        ``retryAfter``) while a lockout runs or guesses in flight hold the rest."""
        ...

    def settle_password_failure(self, throttle: Throttle, spent: LoginThrottle, *,
                                max_failures: int, lockout_seconds: int) -> None:
        """A wrong guess: its attempt stays spent; the one reaching the limit locks (the
        period doubling on every lockout, at most a day)."""
        ...

    def give_back_password_attempt(self, throttle: Throttle) -> None:
        """A right guess: its attempt given back, the lockout history forgotten."""
        ...

    def return_password_attempt(self, throttle: Throttle) -> None:
        """An attempt spent but never compared: returned as it was."""
        ...

    def forgive_failures(self, throttle: Throttle) -> None:
        """The failures before a right guess forgiven, while no other guess is in flight."""
        ...


password_attempts: Port[PasswordAttempts] = Port("password_attempts")
