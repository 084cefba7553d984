"""The scheduled cleanup's report."""

from __future__ import annotations

from roster.models.base import Model


class CleanupSummary(Model):
    """What one cleanup run did (also reported as metrics).

    ``read`` counts the index entries the run read: it grows with the expired items, not
    with the table. ``skipped`` are entries that were no longer expired or already gone
    when the conditional delete reached them (the index is eventually consistent).
    ``complete`` is false when the run stopped early for time; the next run carries on.
    """

    read: int = 0
    expiredEmailChanges: int = 0
    expiredItems: int = 0
    skipped: int = 0
    complete: bool = True
