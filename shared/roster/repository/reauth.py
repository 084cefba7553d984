"""Re-authentication attempts: the current password asked again by a sensitive
self-service step (``POST /me/password``, ``PATCH /me`` with email or phones,
``POST /me/two-factor``), counted per agent in ``keys.password_change_throttle``.

An attempt is spent with a conditional ``ADD`` *before* the password is compared, so N
concurrent guesses never get more comparisons than the limit leaves; a guess that turns
out right gives its attempt back; the wrong one whose count reached the limit starts a
lockout (doubling on repeat, capped like the sign-in throttle).
"""

from __future__ import annotations

import math
from contextlib import suppress
from datetime import timedelta

from roster import clock
from roster.errors import TooManyAttempts
from roster.models.audit import AuditEvent
from roster.models.credentials import LoginThrottle
from roster.repository.base import StoreBase, ttl_of
from roster.repository.table import ConditionFailed, Key

RETENTION_SECONDS = 30 * 86400  # a throttle idle this long forgets its history
MAX_LOCKOUT_SECONDS = 86400
IN_FLIGHT_RETRY_SECONDS = 1  # the remaining attempts are held by guesses being compared


def lockout_period(lockout_seconds: int, lockouts: int) -> int:
    """The base period doubled for every earlier lockout, at most a day (or the base)."""
    doubled: int = lockout_seconds * 2 ** min(lockouts, 32)
    return min(doubled, max(lockout_seconds, MAX_LOCKOUT_SECONDS))


class ReauthStore(StoreBase):
    """Counting current-password attempts (a mixin of ``DynamoRepository``)."""

    def spend_password_attempt(self, throttle_key: Key, *, max_failures: int) -> LoginThrottle:
        """Spend one attempt, or raise ``429 too_many_attempts`` (with ``retryAfter``)
        while a lockout runs or in-flight guesses hold every attempt left."""
        moment = clock.now()
        try:
            item = self.table.update(
                throttle_key, "ADD failures :one SET #ttl = :ttl",
                condition="(attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND "
                          "(attribute_not_exists(failures) OR failures < :max)",
                names={"#ttl": "ttl"},
                values={":one": 1, ":now": clock.iso(moment), ":max": max_failures,
                        ":ttl": ttl_of(moment) + RETENTION_SECONDS},
            )
        except ConditionFailed:
            throttle = LoginThrottle.model_validate(self.table.get(throttle_key) or {})
            remaining = IN_FLIGHT_RETRY_SECONDS
            if throttle.lockedUntil:
                left = (clock.parse(throttle.lockedUntil) - moment).total_seconds()
                remaining = max(remaining, math.ceil(left))
            raise TooManyAttempts(retryAfter=remaining) from None
        return LoginThrottle.model_validate(item)

    def give_back_password_attempt(self, throttle_key: Key) -> None:
        """The guess was right: its attempt is not a failure."""
        with suppress(ConditionFailed):  # a lockout started meanwhile reset the count
            self.table.update(throttle_key, "ADD failures :minus",
                              condition="failures > :zero",
                              values={":minus": -1, ":zero": 0})

    def settle_password_failure(self, throttle_key: Key, spent: LoginThrottle, *,
                                max_failures: int, lockout_seconds: int,
                                audit: AuditEvent) -> None:
        """The guess was wrong: its spent attempt stays; the one that reached the limit
        starts the lockout (conditional on that count: exactly one lockout)."""
        self.record_events([audit])
        if spent.failures < max_failures:
            return
        locked_until = clock.now() + timedelta(
            seconds=lockout_period(lockout_seconds, spent.lockouts))
        # (no lockout when a right guess gave its attempt back meanwhile: below the limit)
        with suppress(ConditionFailed):
            self.table.update(
                throttle_key,
                "SET failures = :zero, lockedUntil = :until, #ttl = :ttl ADD lockouts :one",
                condition="failures = :count",
                names={"#ttl": "ttl"},
                values={":zero": 0, ":until": clock.iso(locked_until), ":one": 1,
                        ":count": spent.failures,
                        ":ttl": ttl_of(locked_until) + RETENTION_SECONDS},
            )
