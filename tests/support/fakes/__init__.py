"""In-memory fakes of the ports (``roster.ports``), for service tests with no AWS.

They keep the adapters' conditional semantics (single-use codes, attempts spent before
comparing, uniqueness claims, version and epoch conditions answering the same domain
errors), on one shared ``World`` (the adapters share one table); contract tests run the
same cases against a fake and its DynamoDB adapter. ``bind_fakes`` puts the sign-in
fakes in their slots; ``Fakes().install()`` puts every fake in every slot
(``roster.wiring.install()`` binds the adapters back).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roster.ports.agents import agent_store
from roster.ports.attempts import password_attempts as attempts_slot
from roster.ports.audit import audit_log as audit_slot
from roster.ports.backfill import backfill_store
from roster.ports.catalog import catalog_store
from roster.ports.cleanup import expiry_store
from roster.ports.credentials import credentials as credentials_slot
from roster.ports.email_change import email_change_store
from roster.ports.idempotency import idempotency_store
from roster.ports.imports import import_queue, import_store
from roster.ports.outbox import outbox_store, sender
from roster.ports.photos import photo_storage
from roster.ports.provisioning import provisioning_tokens
from roster.ports.scim import deactivation_counter
from roster.ports.secrets import key_service
from roster.ports.sessions import sessions as sessions_slot
from roster.ports.site import site as site_slot
from roster.ports.two_factor import seed_vault as seed_vault_slot
from roster.ports.two_factor import two_factor as two_factor_slot

# (aliased: importing a fake's module sets the package attribute of its name)
from support.fakes.agents import MemoryAgentStore
from support.fakes.attempts import FakePasswordAttempts
from support.fakes.audit import FakeAuditLog
from support.fakes.backfill import MemoryBackfill
from support.fakes.catalog import MemoryCatalogStore
from support.fakes.cleanup import MemoryExpiryStore
from support.fakes.credentials import FakeCredentialStore
from support.fakes.email_change import MemoryEmailChangeStore
from support.fakes.idempotency import MemoryIdempotencyStore
from support.fakes.imports import MemoryImportQueue, MemoryImportStore
from support.fakes.outbox import MemoryOutboxStore, RecordingSender
from support.fakes.photos import MemoryPhotoStorage
from support.fakes.provisioning import MemoryProvisioningTokenStore
from support.fakes.scim import MemoryDeactivationCounter
from support.fakes.secrets import MemoryKeyService
from support.fakes.sessions import FakeSessionStore
from support.fakes.site import FixedSite
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


@dataclass
class Fakes:
    """One fake of every port on one ``World``, with the sender, photo storage,
    idempotency records and key service a test may look into."""

    world: World = field(default_factory=World)
    sender: RecordingSender = field(default_factory=RecordingSender)
    photos: MemoryPhotoStorage = field(default_factory=MemoryPhotoStorage)
    idempotency: MemoryIdempotencyStore = field(default_factory=MemoryIdempotencyStore)
    keys: MemoryKeyService = field(default_factory=MemoryKeyService)
    queue: MemoryImportQueue = field(default_factory=MemoryImportQueue)
    site: FixedSite = field(default_factory=FixedSite)

    def install(self) -> None:
        bind_fakes(self.world)
        agent_store.bind(lambda: MemoryAgentStore(self.world))
        catalog_store.bind(lambda: MemoryCatalogStore(self.world))
        email_change_store.bind(lambda: MemoryEmailChangeStore(self.world))
        expiry_store.bind(lambda: MemoryExpiryStore(self.world))
        backfill_store.bind(lambda: MemoryBackfill(self.world))
        outbox_store.bind(lambda: MemoryOutboxStore(self.world))
        sender.bind(lambda: self.sender)
        photo_storage.bind(lambda: self.photos)
        idempotency_store.bind(lambda: self.idempotency)
        key_service.bind(lambda: self.keys)
        import_store.bind(lambda: MemoryImportStore(self.world))
        import_queue.bind(lambda: self.queue)
        deactivation_counter.bind(lambda: MemoryDeactivationCounter(self.world))
        provisioning_tokens.bind(lambda: MemoryProvisioningTokenStore(self.world))
        site_slot.bind(lambda: self.site)


__all__ = ["Fakes", "World", "bind_fakes"]
