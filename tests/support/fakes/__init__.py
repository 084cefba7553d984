"""In-memory fakes of the ports (``roster.ports``), for service tests with no AWS.

They keep the adapters' conditional semantics (single-use codes, attempts spent before
comparing, version and epoch conditions answering the same domain errors), on one
shared ``World`` (the adapters share one table); ``tests/unit/ports`` runs the same
contract against a fake and its DynamoDB adapter. ``bind_fakes`` puts them in the slots.
"""

from __future__ import annotations

from roster.ports.attempts import password_attempts as attempts_slot
from roster.ports.audit import audit_log as audit_slot
from roster.ports.credentials import credentials as credentials_slot
from roster.ports.sessions import sessions as sessions_slot
from roster.ports.two_factor import seed_vault as seed_vault_slot
from roster.ports.two_factor import two_factor as two_factor_slot

# (aliased: importing a fake's module sets the package attribute of its name)
from support.fakes.attempts import FakePasswordAttempts
from support.fakes.audit import FakeAuditLog
from support.fakes.credentials import FakeCredentialStore
from support.fakes.sessions import FakeSessionStore
from support.fakes.two_factor import FakeSeedVault, FakeTwoFactorStore
from support.fakes.world import World


def bind_fakes(world: World) -> None:
    """Every sign-in port served by its fake on ``world`` (``roster.wiring.install()``
    binds the adapters back)."""
    audit_slot.bind(lambda: FakeAuditLog(world))
    attempts_slot.bind(lambda: FakePasswordAttempts(world))
    credentials_slot.bind(lambda: FakeCredentialStore(world))
    sessions_slot.bind(lambda: FakeSessionStore(world))
    two_factor_slot.bind(lambda: FakeTwoFactorStore(world))
    seed_vault_slot.bind(FakeSeedVault)


__all__ = ["World", "bind_fakes"]
