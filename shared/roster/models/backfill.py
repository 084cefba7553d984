"""The search-items backfill's state and report (``roster.services.backfill``)."""

from __future__ import annotations

from typing import Literal

from roster.models.base import Model

BackfillPhase = Literal["agents", "sweep", "queues", "done"]
# The phases a finished migration has run: 1 = agents, sweep (issue 13); 2 = + queues
# (issue 14). A progress finished at an older generation continues at the phase added.
GENERATION = 2


class BackfillProgress(Model):
    """Where the migration stands, kept in the table between runs.

    ``position`` is the store's own bookmark in the current phase (opaque here): the last
    profile done in ``agents``, the last item examined in ``sweep``, the last queue in
    ``queues``. The counts are totals over every run so far. ``generation``: the
    ``GENERATION`` the migration last finished at (1 before issue 14 counted them).
    """

    phase: BackfillPhase = "agents"
    position: str | None = None
    agentsRead: int = 0
    agentsIndexed: int = 0
    itemsDeleted: int = 0
    skipped: int = 0
    queuesRead: int = 0
    queuesNamed: int = 0
    generation: int = 1
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
    queuesRead: int = 0
    queuesNamed: int = 0
