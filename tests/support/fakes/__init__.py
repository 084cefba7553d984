"""In-memory fakes of the ports (``roster.ports``), for service tests without AWS.

``Fakes()`` holds one of each over a shared ``World`` (as the adapters share one table);
``fakes.install()`` binds every port slot to them (``roster.wiring.install()`` puts the
adapters back).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roster.ports.agents import agent_store
from roster.ports.catalog import catalog_store
from roster.ports.cleanup import expiry_store
from roster.ports.email_change import email_change_store
from roster.ports.idempotency import idempotency_store
from roster.ports.outbox import outbox_store, sender
from roster.ports.photos import photo_storage
from roster.ports.secrets import key_service

from support.fakes.agents import MemoryAgentStore
from support.fakes.catalog import MemoryCatalogStore
from support.fakes.cleanup import MemoryExpiryStore
from support.fakes.email_change import MemoryEmailChangeStore
from support.fakes.idempotency import MemoryIdempotencyStore
from support.fakes.outbox import MemoryOutboxStore, RecordingSender
from support.fakes.photos import MemoryPhotoStorage
from support.fakes.secrets import MemoryKeyService
from support.fakes.world import World


@dataclass
class Fakes:
    world: World = field(default_factory=World)
    sender: RecordingSender = field(default_factory=RecordingSender)
    photos: MemoryPhotoStorage = field(default_factory=MemoryPhotoStorage)
    idempotency: MemoryIdempotencyStore = field(default_factory=MemoryIdempotencyStore)
    keys: MemoryKeyService = field(default_factory=MemoryKeyService)

    def install(self) -> None:
        agent_store.bind(lambda: MemoryAgentStore(self.world))
        catalog_store.bind(lambda: MemoryCatalogStore(self.world))
        email_change_store.bind(lambda: MemoryEmailChangeStore(self.world))
        expiry_store.bind(lambda: MemoryExpiryStore(self.world))
        outbox_store.bind(lambda: MemoryOutboxStore(self.world))
        sender.bind(lambda: self.sender)
        photo_storage.bind(lambda: self.photos)
        idempotency_store.bind(lambda: self.idempotency)
        key_service.bind(lambda: self.keys)
