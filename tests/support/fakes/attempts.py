"""``roster.ports.attempts.PasswordAttempts`` in memory (the adapter:
``roster.repository.password_attempts``)."""

from __future__ import annotations

import math
from datetime import timedelta

from roster import clock
from roster.errors import TooManyAttempts
from roster.models.credentials import LoginThrottle
from roster.ports.attempts import Throttle
from roster.repository import keys
from roster.repository.password_attempts import (
    IN_FLIGHT_RETRY_SECONDS,
    abandoned,
    lockout_period,
)

from support.fakes.world import ThrottleKey, World


def throttle_key(throttle: Throttle) -> ThrottleKey:
    return (keys.sign_in_subject(throttle.agent_id, throttle.login), throttle.source_ip)


class FakePasswordAttempts:
    def __init__(self, world: World) -> None:
        self.world = world

    def spend_password_attempt(self, throttle: Throttle, *, max_failures: int,
                               lockout_seconds: int) -> LoginThrottle:
        key = throttle_key(throttle)
        moment = clock.now()
        with self.world.lock:
            current = self.world.throttles.get(key, LoginThrottle())
            locked = (current.lockedUntil is not None
                      and clock.parse(current.lockedUntil) > moment)
            if not locked and current.failures < max_failures:
                spent = current.model_copy(update={
                    "failures": current.failures + 1, "pending": current.pending + 1,
                    "lastAttemptAt": clock.epoch(moment)})
                self.world.throttles[key] = spent
                return spent
            current = self._lock_abandoned(key, current, max_failures=max_failures,
                                           lockout_seconds=lockout_seconds)
        remaining = IN_FLIGHT_RETRY_SECONDS
        if current.lockedUntil:
            left = (clock.parse(current.lockedUntil) - moment).total_seconds()
            remaining = max(remaining, math.ceil(left))
        raise TooManyAttempts(retryAfter=remaining)

    def settle_password_failure(self, throttle: Throttle, spent: LoginThrottle, *,
                                max_failures: int, lockout_seconds: int) -> None:
        key = throttle_key(throttle)
        with self.world.lock:
            if spent.failures >= max_failures and self._start_lockout(
                    key, spent, lockout_seconds=lockout_seconds, decided=1):
                return
            current = self.world.throttles.get(key, LoginThrottle())
            self.world.throttles[key] = current.model_copy(
                update={"pending": current.pending - 1})

    def give_back_password_attempt(self, throttle: Throttle) -> None:
        with self.world.lock:
            self.world.success(throttle_key(throttle), spent=True)

    def return_password_attempt(self, throttle: Throttle) -> None:
        key = throttle_key(throttle)
        with self.world.lock:
            current = self.world.throttles.get(key)
            if current is not None and current.failures > 0:
                self.world.throttles[key] = current.model_copy(update={
                    "failures": current.failures - 1, "pending": current.pending - 1})

    def forgive_failures(self, throttle: Throttle) -> None:
        key = throttle_key(throttle)
        with self.world.lock:
            current = self.world.throttles.get(key)
            if current is not None and current.pending == 0 and current.failures > 0:
                self.world.throttles[key] = current.model_copy(update={"failures": 0})

    def _lock_abandoned(self, key: ThrottleKey, current: LoginThrottle, *,
                        max_failures: int, lockout_seconds: int) -> LoginThrottle:
        if not abandoned(current, max_failures):
            return current
        return self._start_lockout(key, current, lockout_seconds=lockout_seconds,
                                   decided=current.pending) or current

    def _start_lockout(self, key: ThrottleKey, spent: LoginThrottle, *,
                       lockout_seconds: int, decided: int) -> LoginThrottle | None:
        current = self.world.throttles.get(key)
        if current is None or current.failures != spent.failures:
            return None
        until = clock.now() + timedelta(seconds=lockout_period(lockout_seconds,
                                                               spent.lockouts))
        locked = current.model_copy(update={
            "failures": 0, "lockedUntil": clock.iso(until), "lockouts": current.lockouts + 1,
            "pending": current.pending - decided})
        self.world.throttles[key] = locked
        return locked
