"""Each adapter implements its ports (and the remaining repository protocol), method for
method, with the same parameters."""

from __future__ import annotations

import inspect

import pytest
from roster.aws import KmsSeedVault
from roster.ports.attempts import PasswordAttempts
from roster.ports.audit import AuditLog
from roster.ports.credentials import CredentialStore
from roster.ports.sessions import SessionStore
from roster.ports.two_factor import SeedVault, TwoFactorStore
from roster.repository.dynamodb import DynamoRepository
from roster.repository.protocol import Repository


@pytest.mark.parametrize(("protocol", "adapter"), [
    (Repository, DynamoRepository),
    (AuditLog, DynamoRepository),
    (PasswordAttempts, DynamoRepository),
    (CredentialStore, DynamoRepository),
    (SessionStore, DynamoRepository),
    (TwoFactorStore, DynamoRepository),
    (SeedVault, KmsSeedVault),
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
        assert actual == expected, name
