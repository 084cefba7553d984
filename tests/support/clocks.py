"""``roster.clock.now`` under a test's control (the code always asks it for the time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from roster import clock


class ShiftedClock:
    """The real time moved by an offset the test advances (for expiry rules)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        real = clock.now

        def shifted() -> datetime:
            return real() + self.offset

        monkeypatch.setattr(clock, "now", shifted)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


class SteerableClock:
    """A stopped clock the test moves, starting 5 s into a 30-s TOTP step.

    Access tokens are checked against the real time (not issued in the future, not
    expired), so it starts ``BEHIND_SECONDS`` behind the real time: a test may move it
    on a few steps and still get tokens that work.
    """

    BEHIND_SECONDS = 300

    def __init__(self) -> None:
        start = datetime.now(UTC).timestamp() - self.BEHIND_SECONDS
        self.moment = datetime.fromtimestamp((start // 30) * 30 + 5, UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    @property
    def epoch(self) -> float:
        return self.moment.timestamp()


def steer_clock(monkeypatch: pytest.MonkeyPatch) -> SteerableClock:
    """Put ``roster.clock.now`` under a ``SteerableClock`` for this test."""
    fake = SteerableClock()
    monkeypatch.setattr(clock, "now", fake.now)
    return fake

