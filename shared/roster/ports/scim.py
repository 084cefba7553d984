"""What SCIM provisioning needs from storage besides agents and catalogues: the count
of deactivations each provisioning token makes per window (the mass-deactivation alarm)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from roster.ports import Port


class DeactivationCounter(Protocol):
    def count_deactivation(self, actor_id: str, window: str, *, expires_at: int) -> int:
        """Add one to ``actor_id``'s deactivations in ``window`` (atomically: of N
        concurrent calls each gets a different count) and return the new count; the
        counter goes away after ``expires_at`` (epoch seconds)."""

    def deactivations_in(self, actor_id: str, windows: Sequence[str]) -> int:
        """``actor_id``'s deactivations counted in ``windows``, summed (one read)."""


deactivation_counter = Port[DeactivationCounter]("scim-deactivations")
