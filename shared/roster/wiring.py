"""The composition root: which adapter serves each port (``roster.ports``).

Every function calls ``install()`` once at cold start, before it handles anything; the
adapters are imported and built lazily, on the first call of their port (a function
loads only what it uses). This is the one module above the adapters that may import
them. Each factory's return type is its port: mypy checks that the adapter conforms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roster.ports.agents import AgentStore
    from roster.ports.catalog import CatalogStore
    from roster.ports.cleanup import ExpiryStore
    from roster.ports.email_change import EmailChangeStore
    from roster.ports.idempotency import IdempotencyStore
    from roster.ports.outbox import OutboxStore, Sender
    from roster.ports.photos import PhotoStorage
    from roster.ports.secrets import KeyService
    from roster.repository import DynamoRepository


def _table() -> DynamoRepository:
    """The DynamoDB repository: one client per cold start, for every store of the table."""
    from roster.repository import get_repository

    return get_repository()


def _agents() -> AgentStore:
    return _table()


def _catalog() -> CatalogStore:
    return _table()


def _email_changes() -> EmailChangeStore:
    return _table()


def _expiry() -> ExpiryStore:
    return _table()


def _outbox() -> OutboxStore:
    return _table()


def _idempotency() -> IdempotencyStore:
    from roster.repository.idempotency import TableIdempotencyStore

    return TableIdempotencyStore()


def _sender() -> Sender:
    from roster.adapters.sender import AwsSender

    return AwsSender()


def _photos() -> PhotoStorage:
    from roster.adapters.photos import S3PhotoStorage

    return S3PhotoStorage()


def _keys() -> KeyService:
    from roster.adapters.secrets import AwsKeyService

    return AwsKeyService()


def install() -> None:
    """Bind every port to its production adapter (idempotent)."""
    from roster.ports.agents import agent_store
    from roster.ports.catalog import catalog_store
    from roster.ports.cleanup import expiry_store
    from roster.ports.email_change import email_change_store
    from roster.ports.idempotency import idempotency_store
    from roster.ports.outbox import outbox_store, sender
    from roster.ports.photos import photo_storage
    from roster.ports.secrets import key_service

    agent_store.bind(_agents)
    catalog_store.bind(_catalog)
    email_change_store.bind(_email_changes)
    expiry_store.bind(_expiry)
    outbox_store.bind(_outbox)
    idempotency_store.bind(_idempotency)
    sender.bind(_sender)
    photo_storage.bind(_photos)
    key_service.bind(_keys)
