"""SCIM provisioning's counters (``roster.ports.scim``): one item per provisioning token
and minute, ``SCIMDEACT#<actor id>#<minute start>`` / ``COUNTER``, whose
``deactivations`` an atomic ``ADD`` counts (``ttl`` removes it later)."""

from __future__ import annotations

from collections.abc import Sequence

from roster.repository import keys
from roster.repository.table import Table


class TableDeactivationCounter:
    def __init__(self, table: Table) -> None:
        self.table = table

    def count_deactivation(self, actor_id: str, window: str, *, expires_at: int) -> int:
        item = self.table.update(keys.scim_deactivations(actor_id, window),
                                 "ADD deactivations :one SET #type = :type, #ttl = :ttl",
                                 names={"#type": "type", "#ttl": "ttl"},
                                 values={":one": 1, ":type": "scim_deactivations",
                                         ":ttl": expires_at})
        return int(item["deactivations"])

    def deactivations_in(self, actor_id: str, windows: Sequence[str]) -> int:
        items = self.table.batch_get([keys.scim_deactivations(actor_id, window)
                                      for window in windows])
        return sum(int(item.get("deactivations") or 0) for item in items)
