"""Sign-in services on the in-memory fakes: no AWS, no HTTP, a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from roster import clock, tokens, wiring
from sign_in_support import Clock

from support.fakes import World, bind_fakes


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Clock:
    steered = Clock()
    monkeypatch.setattr(clock, "now", lambda: steered.moment)
    return steered


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, moved: Clock) -> Iterator[World]:
    monkeypatch.setattr(tokens, "_signing_key", lambda: "k" * 64)
    fresh = World()
    bind_fakes(fresh)
    yield fresh
    wiring.install()
