"""Password guesses counted before they are compared (sign-in and re-authentication
share the counts): per agent and source IP and, unless that source is the agent's own,
per agent from every source. The counting itself is the port's
(``roster.ports.attempts``): spent atomically, so concurrent guesses never get more
comparisons than the limit leaves."""

from __future__ import annotations

from datetime import timedelta

from roster import clock
from roster.config import get_settings
from roster.errors import TooManyAttempts
from roster.models.credentials import LoginThrottle
from roster.ports.attempts import Throttle, password_attempts

# A source the agent signed in from this recently is the agent's own: the per-agent
# ceiling does not apply there, so strangers elsewhere cannot lock the owner out of it.
TRUSTED_SOURCE_DAYS = 30

Spent = list[tuple[Throttle, LoginThrottle, int]]  # the throttle, its count, its limit


def trusted_source(throttle: LoginThrottle | None) -> bool:
    return (throttle is not None and throttle.lastSuccessAt is not None
            and clock.now() - clock.parse(throttle.lastSuccessAt)
            < timedelta(days=TRUSTED_SOURCE_DAYS))


def spend(agent_id: str | None, source_ip: str, *, login: str = "") -> Spent:
    """Spend one attempt from the count of ``agent_id`` (or of ``login`` when it names
    nobody) from ``source_ip`` and, unless that source is the agent's own (which the
    spend's answer tells), one from its ceiling from every source: both before the
    password is compared; ``429`` when either has none left."""
    settings = get_settings()
    store = password_attempts()
    lockout = settings.password_lockout_seconds
    source = Throttle(agent_id, login, source_ip)
    limit = settings.password_max_failures
    from_source = store.spend_password_attempt(source, max_failures=limit,
                                               lockout_seconds=lockout)
    spent = [(source, from_source, limit)]
    if not trusted_source(from_source):
        everywhere = source.everywhere()
        limit = settings.password_max_failures_per_agent
        try:
            spent.append((everywhere, store.spend_password_attempt(
                everywhere, max_failures=limit, lockout_seconds=lockout), limit))
        except TooManyAttempts:
            store.return_password_attempt(source)  # spent, never compared
            raise
    return spent


def settle_failure(spent: Spent) -> None:
    """The guess was wrong: its attempts stay spent (the one reaching a limit locks)."""
    store = password_attempts()
    for throttle, attempt, limit in spent:
        store.settle_password_failure(
            throttle, attempt, max_failures=limit,
            lockout_seconds=get_settings().password_lockout_seconds)


def give_back(spent: Spent) -> None:
    """The guess was right: its attempts are given back, the failures before forgiven."""
    store = password_attempts()
    for throttle, _, _ in spent:
        store.give_back_password_attempt(throttle)
    forgive(spent)


def forgive(spent: Spent) -> None:
    """After a right guess, the failures counted before it are forgiven (a write only
    where there were some, and only while no other guess is in flight)."""
    store = password_attempts()
    for throttle, attempt, _ in spent:
        if attempt.failures > 1:  # others had been spent when this one was
            store.forgive_failures(throttle)
