"""Ports: what the services need from the outside world, one small ``Protocol`` per area
(``roster.ports.<area>``), each with a ``Port`` slot the services read it through.

Services never import an adapter (DynamoDB, SES/SNS, S3, KMS...): they call the slot,
e.g. ``agent_store().get(agent_id)``. The composition root (``roster.wiring.install``,
called by every function at cold start) binds each slot to its adapter; service tests
bind in-memory fakes (``tests/support/fakes``) instead. Layers are enforced by the
import contracts in ``pyproject.toml`` (``make lint``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_SLOTS: list[Port[object]] = []


class Port(Generic[T]):
    """A named slot holding the one implementation of a port for this process, made on
    first use from the factory bound to it (so a cold start builds only what it uses)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._factory: Callable[[], T] | None = None
        self._made: T | None = None
        _SLOTS.append(self)  # type: ignore[arg-type]

    def bind(self, factory: Callable[[], T]) -> None:
        """Use ``factory()``'s result from now on (made again after ``forget``). Binding
        the factory already bound keeps what it made: ``install()`` is idempotent, so a
        function's cold start does not drop another's cached keys (locally they share a
        process)."""
        if factory is self._factory:
            return
        self._factory = factory
        self._made = None

    def __call__(self) -> T:
        if self._made is None:
            if self._factory is None:
                raise LookupError(f"port {self.name!r} is not bound: call "
                                  "roster.wiring.install() (or bind a fake in a test)")
            self._made = self._factory()
        return self._made

    def forget(self) -> None:
        """Drop the made implementation (kept bound): the next call makes it anew."""
        self._made = None


def forget_all() -> None:
    """Every slot's implementation made anew on next use (tests switch endpoints)."""
    for slot in _SLOTS:
        slot.forget()
