"""Each adapter implements its ports, method for
method, with the same parameter names (mypy checks the types at the bindings in
``roster.wiring``; this also holds keyword names, which a ``Protocol`` match lets differ
for positional parameters). An adapter may take more, defaulted, parameters after."""

from __future__ import annotations

import inspect

import pytest
from roster.adapters.photos import S3PhotoStorage
from roster.adapters.secrets import AwsKeyService, KmsSeedVault
from roster.adapters.sender import AwsSender
from roster.adapters.site import DeployedSite
from roster.ports.agents import AgentStore
from roster.ports.attempts import PasswordAttempts
from roster.ports.audit import AuditLog
from roster.ports.backfill import SearchItemsBackfill
from roster.ports.catalog import CatalogStore
from roster.ports.cleanup import ExpiryStore
from roster.ports.credentials import CredentialStore
from roster.ports.email_change import EmailChangeStore
from roster.ports.idempotency import IdempotencyStore
from roster.ports.outbox import OutboxStore, Sender
from roster.ports.photos import PhotoStorage
from roster.ports.provisioning import ProvisioningTokenStore
from roster.ports.secrets import KeyService
from roster.ports.sessions import SessionStore
from roster.ports.site import Site
from roster.ports.two_factor import SeedVault, TwoFactorStore
from roster.repository.backfill import TableBackfill
from roster.repository.dynamodb import DynamoRepository
from roster.repository.idempotency import TableIdempotencyStore


@pytest.mark.parametrize(("protocol", "adapter"), [
    (AuditLog, DynamoRepository),
    (PasswordAttempts, DynamoRepository),
    (CredentialStore, DynamoRepository),
    (SessionStore, DynamoRepository),
    (TwoFactorStore, DynamoRepository),
    (SeedVault, KmsSeedVault),
    (AgentStore, DynamoRepository),
    (CatalogStore, DynamoRepository),
    (EmailChangeStore, DynamoRepository),
    (ExpiryStore, DynamoRepository),
    (SearchItemsBackfill, TableBackfill),
    (OutboxStore, DynamoRepository),
    (IdempotencyStore, TableIdempotencyStore),
    (Sender, AwsSender),
    (PhotoStorage, S3PhotoStorage),
    (KeyService, AwsKeyService),
    (ProvisioningTokenStore, DynamoRepository),
    (Site, DeployedSite),
])
def test_every_port_method_exists_with_the_same_parameters(protocol: type,
                                                           adapter: type) -> None:
    declared = {name: member for name, member in vars(protocol).items()
                if callable(member) and not name.startswith("_")}
    assert declared
    for name, member in declared.items():
        implementation = getattr(adapter, name, None)
        assert implementation is not None, name
        expected = list(inspect.signature(member).parameters)
        actual = list(inspect.signature(implementation).parameters)
        assert actual[:len(expected)] == expected, name
