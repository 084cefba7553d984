"""Sign-in services on the in-memory fakes: no AWS, no HTTP, a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from roster import tokens, wiring
from support.clocks import SteerableClock, steer_clock
from support.fakes import World, bind_fakes


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> SteerableClock:
    return steer_clock(monkeypatch)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, moved: SteerableClock) -> Iterator[World]:
    monkeypatch.setattr(tokens, "_signing_key", lambda: "k" * 64)
    fresh = World()
    bind_fakes(fresh)
    yield fresh
    wiring.install()
