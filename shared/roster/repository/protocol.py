"""What is left of the repository's single protocol once every area declared its port
(``roster.ports``): one method no service uses any more (to go with this file).

``DynamoRepository`` is its implementation (``tests/unit/test_repository_protocol.py``
checks that it conforms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from roster.models.credentials import Challenge


class Repository(Protocol):
    def get_challenge(self, digest: str) -> Challenge | None: ...


if TYPE_CHECKING:
    from roster.repository.dynamodb import DynamoRepository

    def _conforms(repository: DynamoRepository) -> Repository:
        """mypy checks here that the implementation satisfies the protocol."""
        return repository
