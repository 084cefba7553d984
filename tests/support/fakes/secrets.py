"""``KeyService`` in memory: data keys "encrypted" by a key only this service holds (an
encrypted key opens here and nowhere else), fixed digest-secret versions, a signing key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class MemoryKeyService:
    digest_versions: dict[str, bytes] = field(
        default_factory=lambda: {"AWSCURRENT": b"memory-digest-key"})
    token_key: str = "memory-signing-key-of-at-least-32-bytes"
    _opened: dict[bytes, bytes] = field(default_factory=dict)

    def new_data_key(self) -> tuple[bytes, bytes]:
        plaintext, handle = os.urandom(32), os.urandom(48)
        self._opened[handle] = plaintext
        return plaintext, handle

    def open_data_key(self, encrypted: bytes) -> bytes:
        return self._opened[encrypted]

    def digest_secret(self, stage: str) -> bytes | None:
        if stage == "AWSCURRENT":
            return self.digest_versions[stage]
        return self.digest_versions.get(stage)

    def signing_key(self) -> str:
        return self.token_key
