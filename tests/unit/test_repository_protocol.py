"""The DynamoDB repository implements the repository protocol, method for method."""

from __future__ import annotations

import inspect

from roster.repository.dynamodb import DynamoRepository
from roster.repository.protocol import Repository


def test_every_protocol_method_exists_with_the_same_parameters() -> None:
    declared = {name: member for name, member in vars(Repository).items()
                if callable(member) and not name.startswith("_")}
    assert len(declared) > 50
    for name, member in declared.items():
        implementation = getattr(DynamoRepository, name, None)
        assert implementation is not None, name
        expected = list(inspect.signature(member).parameters)
        actual = list(inspect.signature(implementation).parameters)
        assert actual == expected, name
