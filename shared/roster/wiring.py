"""The composition root: which adapter serves each port (``roster.ports``).

Every function calls ``install()`` once at cold start, before it handles anything; the
adapters are imported and built lazily, on the first call of their port (a function
loads only what it uses). This is the one module above the adapters that may import
them. Each binding is typed (``Port[T].bind`` takes a factory of a ``T``): mypy checks
that the adapter conforms to its port.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roster.ports.backfill import SearchItemsBackfill
    from roster.ports.idempotency import IdempotencyStore
    from roster.ports.imports import ImportQueue
    from roster.ports.outbox import Sender
    from roster.ports.photos import PhotoStorage
    from roster.ports.scim import DeactivationCounter
    from roster.ports.secrets import KeyService
    from roster.ports.site import Site
    from roster.ports.two_factor import SeedVault
    from roster.repository import DynamoRepository


def _table() -> DynamoRepository:
    """The DynamoDB repository: one client per cold start, for every store of the table."""
    from roster.repository import get_repository

    return get_repository()


def _backfill() -> SearchItemsBackfill:
    from roster.repository.backfill import TableBackfill

    return TableBackfill(_table().table)


def _deactivations() -> DeactivationCounter:
    from roster.repository.scim import TableDeactivationCounter

    return TableDeactivationCounter(_table().table)


def _idempotency() -> IdempotencyStore:
    from roster.repository.idempotency import TableIdempotencyStore

    return TableIdempotencyStore()


def _sender() -> Sender:
    from roster.adapters.sender import AwsSender

    return AwsSender()


def _photos() -> PhotoStorage:
    from roster.adapters.photos import S3PhotoStorage

    return S3PhotoStorage()


def _seed_vault() -> SeedVault:
    from roster.adapters.secrets import KmsSeedVault

    return KmsSeedVault()


def _import_queue() -> ImportQueue:
    from roster.adapters.import_queue import SqsImportQueue

    return SqsImportQueue()


def _keys() -> KeyService:
    from roster.adapters.secrets import AwsKeyService

    return AwsKeyService()


def _site() -> Site:
    from roster.adapters.site import DeployedSite

    return DeployedSite()


def install() -> None:
    """Bind every port to its production adapter (idempotent)."""
    from roster.ports import attempts, audit, credentials, sessions, two_factor
    from roster.ports.agents import agent_store
    from roster.ports.backfill import backfill_store
    from roster.ports.catalog import catalog_store
    from roster.ports.cleanup import expiry_store
    from roster.ports.email_change import email_change_store
    from roster.ports.idempotency import idempotency_store
    from roster.ports.imports import import_queue, import_store
    from roster.ports.outbox import outbox_store, sender
    from roster.ports.photos import photo_storage
    from roster.ports.provisioning import provisioning_tokens
    from roster.ports.scim import deactivation_counter
    from roster.ports.secrets import key_service
    from roster.ports.site import site

    # One DynamoDB repository serves every store of the table (mypy checks each binding).
    agent_store.bind(_table)
    catalog_store.bind(_table)
    email_change_store.bind(_table)
    expiry_store.bind(_table)
    outbox_store.bind(_table)
    import_store.bind(_table)
    provisioning_tokens.bind(_table)
    audit.audit_log.bind(_table)
    attempts.password_attempts.bind(_table)
    credentials.credentials.bind(_table)
    sessions.sessions.bind(_table)
    two_factor.two_factor.bind(_table)
    two_factor.seed_vault.bind(_seed_vault)
    backfill_store.bind(_backfill)
    deactivation_counter.bind(_deactivations)
    idempotency_store.bind(_idempotency)
    sender.bind(_sender)
    import_queue.bind(_import_queue)
    photo_storage.bind(_photos)
    key_service.bind(_keys)
    site.bind(_site)
