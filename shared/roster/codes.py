"""One-time secrets: numeric codes, backup codes, opaque tokens, and their digests.

These secrets are random and long enough (or short-lived and attempt-limited enough)
that a keyed SHA-256 digest is the right storage: it allows lookup by digest and a
constant-time comparison, where a slow password hash would buy nothing.

The digest key is a secret of its own in Secrets Manager (``ROSTER_DIGEST_SECRET_ID``),
never the public purpose string: whoever reads the table or its stream, but not that
secret, cannot test the 10^6 possible recovery codes against a stored digest. Each
purpose gets its own subkey, ``HMAC(secret, LABEL | purpose)``, so a digest made for
one purpose never matches for another.

Rotation: digests are made with the key's ``AWSCURRENT`` version; ``matches`` and
``matches_any`` also accept a digest made with ``AWSPREVIOUS`` (fetched only when the
current key does not match). Both versions are cached for ``KEY_CACHE_SECONDS``, the
absence of a previous version too, so a warm function does not call Secrets Manager per
request. See docs/operations.md, "Key rotation".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Collection, Iterator

from roster.ports.secrets import key_service

BACKUP_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
BACKUP_CODE_LENGTH = 10

KEY_CACHE_SECONDS = 300
CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"
_SUBKEY_LABEL = b"roster/secret-digest/v1\x00"

_lock = threading.Lock()
_keys: dict[str, tuple[float, bytes | None]] = {}  # version stage -> (fetched at, key)


def numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def backup_code() -> str:
    raw = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_backup_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def opaque_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str, *, purpose: str) -> str:
    """Hex HMAC-SHA-256 of ``secret`` under the current digest key's subkey for ``purpose``."""
    return _digest_with(_current_key(), secret, purpose)


def matches(stored_digest: str | None, secret: str, *, purpose: str) -> bool:
    """Whether ``stored_digest`` is ``secret``'s digest for ``purpose`` (either key)."""
    if not stored_digest:
        return False
    return matches_any((stored_digest,), secret, purpose=purpose)


def matches_any(stored_digests: Collection[str], secret: str, *, purpose: str) -> bool:
    """Whether any of ``stored_digests`` is ``secret``'s digest for ``purpose``."""
    if not stored_digests:
        return False
    for key in _verification_keys():
        candidate = _digest_with(key, secret, purpose)
        if any(hmac.compare_digest(stored, candidate) for stored in stored_digests):
            return True
    return False


def lookup_digests(secret: str, *, purpose: str) -> list[str]:
    """Every digest ``secret`` may be stored under (to read it by key): the current key's,
    then, after a rotation, the previous key's."""
    return [_digest_with(key, secret, purpose) for key in _verification_keys()]


def forget_keys() -> None:
    """Drop the cached keys (tests provision a fresh Secrets Manager per test)."""
    with _lock:
        _keys.clear()


def _digest_with(key: bytes, secret: str, purpose: str) -> str:
    subkey = hmac.new(key, _SUBKEY_LABEL + purpose.encode(), hashlib.sha256).digest()
    return hmac.new(subkey, secret.encode(), hashlib.sha256).hexdigest()


def _verification_keys() -> Iterator[bytes]:
    """The current key, then (fetched only if asked for) the previous one if any."""
    yield _current_key()
    previous = _key(PREVIOUS)
    if previous is not None:
        yield previous


def _current_key() -> bytes:
    key = _key(CURRENT)
    if key is None:  # _fetch raises rather than miss the current version
        raise LookupError("the digest secret has no AWSCURRENT version")
    return key


def _key(stage: str) -> bytes | None:
    """The digest secret's ``stage`` version (``None``: there is no previous one), cached."""
    now = time.monotonic()
    with _lock:
        cached = _keys.get(stage)
    if cached is not None and now - cached[0] < KEY_CACHE_SECONDS:
        return cached[1]
    key = _fetch(stage)
    with _lock:
        _keys[stage] = (now, key)
        if stage == CURRENT and (cached is None or cached[1] != key):
            # rotated: the cached previous key (or its absence) is stale too
            _keys.pop(PREVIOUS, None)
    return key


def _fetch(stage: str) -> bytes | None:
    return key_service().digest_secret(stage)
