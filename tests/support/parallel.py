"""Truly parallel HTTP clients against a real server (the acceptance tests' races).

``support.concurrency.race`` races the application in process; ``race`` here races
clients over the network: each has its own ``requests.Session`` (so its own TCP
connection, opened after the barrier, at the same moment as the others').
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import requests

R = TypeVar("R")

BARRIER_TIMEOUT_SECONDS = 30


class RaceFailed(AssertionError):
    """Some clients raised (a reset connection, a timeout...) instead of answering."""

    def __init__(self, failures: dict[int, BaseException]) -> None:
        self.failures = failures
        lines = [f"client {index}: {error!r}" for index, error in sorted(failures.items())]
        super().__init__(f"{len(failures)} client(s) failed:\n" + "\n".join(lines))


def race(n: int, request_fn: Callable[[requests.Session, int], R]) -> list[R]:
    """Run ``request_fn(session, index)`` for ``index`` in ``0..n-1``, each in its own
    thread with its own fresh session, all released together by one barrier.

    Returns the results in index order. If any client raised (e.g. ``Connection reset by
    peer``), waits for the others and raises ``RaceFailed`` naming every failure.
    """
    barrier = threading.Barrier(n, timeout=BARRIER_TIMEOUT_SECONDS)

    def run(index: int) -> R:
        with requests.Session() as session:
            barrier.wait()
            return request_fn(session, index)

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(run, index) for index in range(n)]
        failures = {i: error for i, f in enumerate(futures) if (error := f.exception())}
    if failures:
        raise RaceFailed(failures)
    return [future.result() for future in futures]
