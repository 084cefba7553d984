"""Keys the secret-handling primitives (``roster.sealing``, ``roster.codes``,
``roster.tokens``) need from a key service: envelope data keys, the digest secret's
versions, the token signing key. The primitives cache what they get."""

from __future__ import annotations

from typing import Protocol

from roster.ports import Port


class KeyService(Protocol):
    def new_data_key(self) -> tuple[bytes, bytes]:
        """A fresh data key: ``(plaintext, encrypted)`` (only the service opens the latter)."""

    def open_data_key(self, encrypted: bytes) -> bytes:
        """The plaintext of a data key ``new_data_key`` made."""

    def digest_secret(self, stage: str) -> bytes | None:
        """The digest secret's version at ``stage``; ``None`` for a previous version that
        does not exist (never rotated)."""

    def signing_key(self) -> str:
        """The access-token signing key (the service caches it a while)."""


key_service = Port[KeyService]("secrets")
