"""The search-items backfill's state and report (``roster.services.backfill``)."""

from __future__ import annotations

from typing import Literal

from roster.models.base import Model

BackfillPhase = Literal["agents", "sweep", "done"]


class BackfillProgress(Model):
    """Where the migration stands, kept in the table between runs.

    ``position`` is the store's own bookmark in the current phase (opaque here): the last
    profile done in ``agents``, the last item examined in ``sweep``. The counts are totals
    over every run so far.
    """

    phase: BackfillPhase = "agents"
    position: str | None = None
    agentsRead: int = 0
    agentsIndexed: int = 0
    itemsDeleted: int = 0
    skipped: int = 0
    finishedAt: str | None = None


class BackfillReport(Model):
    """What one run did (the function's answer). ``done`` is true once the migration has
    finished (a run after that does nothing); otherwise run it again: it continues from
    ``next``. ``busy``: another run holds the migration now, nothing was done."""

    done: bool
    phase: BackfillPhase
    next: str | None = None
    busy: bool = False
    agentsRead: int = 0
    agentsIndexed: int = 0
    itemsDeleted: int = 0
    skipped: int = 0
