"""Password attempts, counted against a throttle item *before* the password is compared.

Used by the sign-in and by re-authentication (the same counts: per agent and source IP,
``keys.sign_in_source_throttle``, and per agent, ``keys.sign_in_throttle``; a
``roster.ports.attempts.Throttle`` names one).

Two counters: ``failures``, the attempts spent since the last success (decided wrong or
still being compared), which the spend's condition holds under the limit, and
``pending``, those still being compared. An attempt is spent with a conditional ``ADD``
of both before the comparison, so N concurrent guesses never get more comparisons than
the limit leaves. A wrong guess leaves its attempt spent (and takes it off ``pending``);
the one whose spend reached the limit starts a lockout (doubling on repeat, at most a
day). A right guess gives its own attempt back (``success_update``) and the failures
before it are forgiven (``forgive_failures``) only while no other guess is in flight, so
failures stay consecutive without freeing slots for a burst around the right password.
An attempt whose request died before deciding it is a failure: once
no attempt has been spent for ``IN_FLIGHT_SECONDS``, a full count without a lockout
starts the lockout it should have.
"""

from __future__ import annotations

import math
from contextlib import suppress
from datetime import timedelta
from typing import Any

from roster import clock
from roster.errors import TooManyAttempts
from roster.models.credentials import LoginThrottle
from roster.ports.attempts import Throttle
from roster.repository import keys
from roster.repository.base import StoreBase, ttl_of
from roster.repository.table import ConditionFailed, Key

RETENTION_SECONDS = 30 * 86400  # a throttle idle this long forgets its history
MAX_LOCKOUT_SECONDS = 86400  # doubling stops at a day: nobody is locked out for good
IN_FLIGHT_SECONDS = 30  # a guess is compared within one request (API Gateway: 29 s)
IN_FLIGHT_RETRY_SECONDS = 1  # the remaining attempts are held by guesses being compared


def lockout_period(lockout_seconds: int, lockouts: int) -> int:
    """The base period doubled for every earlier lockout, at most a day (or the base)."""
    doubled: int = lockout_seconds * 2 ** min(lockouts, 32)
    return min(doubled, max(lockout_seconds, MAX_LOCKOUT_SECONDS))


def abandoned(throttle: LoginThrottle, max_failures: int) -> bool:
    """Every attempt spent, no lockout running, nothing spent for ``IN_FLIGHT_SECONDS``:
    the request that reached the limit died before deciding it."""
    idle = (throttle.lastAttemptAt is None
            or throttle.lastAttemptAt < clock.epoch(clock.now()) - IN_FLIGHT_SECONDS)
    running = (throttle.lockedUntil is not None
               and clock.parse(throttle.lockedUntil) > clock.now())
    return throttle.failures >= max_failures and not running and idle


def throttle_key(throttle: Throttle) -> Key:
    """The item a throttle's count lives in."""
    subject = keys.sign_in_subject(throttle.agent_id, throttle.login)
    if throttle.source_ip is None:
        return keys.sign_in_throttle(subject)
    return keys.sign_in_source_throttle(subject, throttle.source_ip)


class PasswordAttemptStore(StoreBase):
    """Counting password attempts (a mixin of ``DynamoRepository``)."""

    def spend_password_attempt(self, throttle: Throttle, *, max_failures: int,
                               lockout_seconds: int) -> LoginThrottle:
        """Spend one attempt, or raise ``429 too_many_attempts`` (with ``retryAfter``)
        while a lockout runs or in-flight guesses hold every attempt left."""
        key = throttle_key(throttle)
        moment = clock.now()
        try:
            item = self.table.update(
                key,
                "ADD failures :one, pending :one SET #ttl = :ttl, lastAttemptAt = :at",
                condition="(attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND "
                          "(attribute_not_exists(failures) OR failures < :max)",
                names={"#ttl": "ttl"},
                values={":one": 1, ":now": clock.iso(moment), ":max": max_failures,
                        ":at": clock.epoch(moment),
                        ":ttl": ttl_of(moment) + RETENTION_SECONDS},
            )
        except ConditionFailed:
            current = LoginThrottle.model_validate(self.table.get(key) or {})
            current = self._lock_abandoned(key, current, max_failures=max_failures,
                                            lockout_seconds=lockout_seconds)
            remaining = IN_FLIGHT_RETRY_SECONDS
            if current.lockedUntil:
                left = (clock.parse(current.lockedUntil) - moment).total_seconds()
                remaining = max(remaining, math.ceil(left))
            raise TooManyAttempts(retryAfter=remaining) from None
        return LoginThrottle.model_validate(item)

    def give_back_password_attempt(self, throttle: Throttle) -> None:
        """The guess was right but the step goes no further (re-authentication, or a
        sign-in refused for the account's state): its attempt is not a failure."""
        key = throttle_key(throttle)
        self.table.update(key, **self.success_update())

    def return_password_attempt(self, throttle: Throttle) -> None:
        """An attempt spent but never compared (another count refused the guess): it is
        returned as it was, and nothing else changes."""
        key = throttle_key(throttle)
        with suppress(ConditionFailed):  # a lockout started meanwhile reset the count
            self.table.update(key, "ADD failures :minus, pending :minus",
                              condition="failures > :zero",
                              values={":minus": -1, ":zero": 0})

    def forgive_failures(self, throttle: Throttle) -> None:
        """After a right guess, the failures before it are forgiven (they must be
        consecutive to throttle), but only while no other guess is being compared: in a
        burst around the right password, forgiving would free slots for more guesses."""
        key = throttle_key(throttle)
        with suppress(ConditionFailed):
            self.table.update(key, "SET failures = :zero",
                              condition="pending = :zero AND failures > :zero",
                              values={":zero": 0})

    @staticmethod
    def success_update(*, spent: bool = True,
                       trusted_at: str | None = None) -> dict[str, Any]:
        """The update a right guess makes (alone, or in the caller's transaction): its own
        attempt, when ``spent``, is given back (the failures before it are forgiven
        apart, ``forgive_failures``) and the lockout history is forgotten; ``trusted_at``
        records a finished sign-in from that source."""
        sets = ["#ttl = :ttl"]
        values: dict[str, Any] = {":ttl": ttl_of(clock.now()) + RETENTION_SECONDS}
        if trusted_at is not None:
            sets.append("lastSuccessAt = :trustedAt")
            values[":trustedAt"] = trusted_at
        expression = "SET " + ", ".join(sets)
        if spent:
            expression += " ADD failures :minus, pending :minus"
            values[":minus"] = -1
        return {"expression": expression + " REMOVE lockedUntil, lockouts",
                "names": {"#ttl": "ttl"}, "values": values}

    def settle_password_failure(self, throttle: Throttle, spent: LoginThrottle, *,
                                max_failures: int, lockout_seconds: int) -> None:
        """The guess was wrong: its spent attempt stays (off ``pending``); the one that
        reached the limit starts the lockout (conditional on that count: one lockout)."""
        key = throttle_key(throttle)
        if spent.failures >= max_failures and self._start_lockout(
                key, spent, lockout_seconds=lockout_seconds, decided=1):
            return
        self.table.update(key, "ADD pending :minus", values={":minus": -1})

    def _lock_abandoned(self, key: Key, throttle: LoginThrottle, *,
                        max_failures: int, lockout_seconds: int) -> LoginThrottle:
        """The lockout an abandoned full count should have started (``abandoned``)."""
        if not abandoned(throttle, max_failures):
            return throttle
        return self._start_lockout(key, throttle, lockout_seconds=lockout_seconds,
                                   decided=throttle.pending) or throttle

    def _start_lockout(self, key: Key, spent: LoginThrottle, *,
                       lockout_seconds: int, decided: int) -> LoginThrottle | None:
        """Lock for the doubled period and zero the count, if the count is still
        ``spent.failures`` (so concurrent deciders start one lockout, and none when a
        right guess reset it meanwhile); ``decided`` attempts come off ``pending``."""
        locked_until = clock.now() + timedelta(
            seconds=lockout_period(lockout_seconds, spent.lockouts))
        try:
            item = self.table.update(
                key,
                "SET failures = :zero, lockedUntil = :until, #ttl = :ttl "
                "ADD lockouts :one, pending :decided",
                condition="failures = :count",
                names={"#ttl": "ttl"},
                values={":zero": 0, ":until": clock.iso(locked_until), ":one": 1,
                        ":count": spent.failures, ":decided": -decided,
                        ":ttl": ttl_of(locked_until) + RETENTION_SECONDS},
            )
        except ConditionFailed:
            return None
        return LoginThrottle.model_validate(item)
