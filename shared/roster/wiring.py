"""The composition root: which adapter serves each port (``roster.ports``).

Every function calls ``install()`` once at cold start, before it handles anything; the
adapters themselves are built lazily, on the first call of their port. This is the one
module above the adapters that may import them.
"""

from __future__ import annotations


def install() -> None:
    """Bind every port to its production adapter (idempotent)."""
    from roster.repository import get_repository

    del get_repository  # the ports' bindings are added here, one line a port
