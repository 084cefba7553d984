"""Envelope encryption of small secrets at rest (message codes, temporary passwords).

A data key (from KMS in production: ``roster.ports.secrets``) is generated once and reused
for ``DATA_KEY_SECONDS`` (so a warm function makes no KMS call per message); each value is
sealed with AES-256-GCM under that key, the item's id bound as associated data, and the
encrypted data key stored beside it. The reader has the key service open the data key
once and caches the plaintext key.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from typing import Any

from roster.ports.secrets import key_service

DATA_KEY_SECONDS = 300

_lock = threading.Lock()
_current: tuple[float, bytes, bytes] | None = None  # (created, plaintext key, encrypted key)
_decrypted: dict[bytes, bytes] = {}


def _data_key() -> tuple[bytes, bytes]:
    global _current
    with _lock:
        if _current is None or time.monotonic() - _current[0] > DATA_KEY_SECONDS:
            plaintext, encrypted = key_service().new_data_key()
            _current = (time.monotonic(), plaintext, encrypted)
            _decrypted[encrypted] = plaintext
        return _current[1], _current[2]


def _plain_key(encrypted_key: bytes) -> bytes:
    with _lock:
        cached = _decrypted.get(encrypted_key)
    if cached is not None:
        return cached
    plaintext = key_service().open_data_key(encrypted_key)
    with _lock:
        _decrypted[encrypted_key] = plaintext
    return plaintext


def seal(values: dict[str, str], *, bound_to: str) -> dict[str, Any]:
    """Encrypt ``values``; only ``unseal`` with the same ``bound_to`` opens it."""
    import json

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, encrypted_key = _data_key()
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(values).encode(), bound_to.encode())
    return {
        "key": base64.b64encode(encrypted_key).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(ciphertext).decode(),
    }


def unseal(sealed: dict[str, Any], *, bound_to: str) -> dict[str, str]:
    import json

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = _plain_key(base64.b64decode(sealed["key"]))
    plaintext = AESGCM(key).decrypt(
        base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]),
        bound_to.encode(),
    )
    values: dict[str, str] = json.loads(plaintext)
    return values


def forget_keys() -> None:
    """Drop cached keys (tests provision a fresh KMS per test)."""
    global _current
    with _lock:
        _current = None
        _decrypted.clear()
