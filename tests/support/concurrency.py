"""Racing the application against itself on moto.

moto serves requests from many threads without a lock, and a cancelled transaction
puts back the items it named as they were when it started, which would erase other
threads' writes to them. ``atomic_aws`` makes each AWS request atomic, as AWS serves it, so a
race test exercises the application's conditions, not moto's: the requests still
interleave freely between their AWS calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from roster.errors import RosterError

T = TypeVar("T")
R = TypeVar("R")


def atomic_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve each in-process moto request under one lock (for this test)."""
    from moto.core.botocore_stubber import BotocoreStubber

    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", process_request)


def race(attempt: Callable[[T], R], inputs: Sequence[T]) -> list[R | RosterError]:
    """Run ``attempt`` on every input at the same moment, one thread each.

    Each entry is the attempt's result or the domain error it raised (its ``code`` and
    ``status`` are the contract's); any other exception fails the test.
    """
    barrier = threading.Barrier(len(inputs))

    def run(value: T) -> R | RosterError:
        barrier.wait()
        try:
            return attempt(value)
        except RosterError as error:
            return error

    with ThreadPoolExecutor(len(inputs)) as pool:
        return list(pool.map(run, inputs))


def error_codes(outcomes: Sequence[object]) -> list[tuple[int, str]]:
    """``(status, code)`` of every refused attempt."""
    return [(o.status, o.code) for o in outcomes if isinstance(o, RosterError)]
