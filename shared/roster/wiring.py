"""The composition root: which adapter serves each port (``roster.ports``).

Every function calls ``install()`` once at cold start, before it handles anything; the
adapters themselves are built lazily, on the first call of their port. This is the one
module above the adapters that may import them.
"""

from __future__ import annotations


def install() -> None:
    """Bind every port to its production adapter (idempotent)."""
    from roster.aws import KmsSeedVault
    from roster.ports import attempts, audit, credentials, sessions, two_factor
    from roster.repository import get_repository

    audit.audit_log.bind(get_repository)
    attempts.password_attempts.bind(get_repository)
    credentials.credentials.bind(get_repository)
    sessions.sessions.bind(get_repository)
    two_factor.two_factor.bind(get_repository)
    two_factor.seed_vault.bind(KmsSeedVault)
