"""``DeactivationCounter`` in memory."""

from __future__ import annotations

from collections.abc import Sequence

from support.fakes.world import World


class MemoryDeactivationCounter:
    def __init__(self, world: World) -> None:
        self.world = world

    def count_deactivation(self, actor_id: str, window: str, *, expires_at: int) -> int:
        with self.world.lock:
            key = (actor_id, window)
            self.world.scim_deactivations[key] = self.world.scim_deactivations.get(key, 0) + 1
            return self.world.scim_deactivations[key]

    def deactivations_in(self, actor_id: str, windows: Sequence[str]) -> int:
        return sum(self.world.scim_deactivations.get((actor_id, window), 0)
                   for window in windows)
