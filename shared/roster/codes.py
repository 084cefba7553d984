"""One-time secrets: numeric codes, backup codes, opaque tokens, and their digests.

These secrets are random and long enough (or short-lived and attempt-limited enough)
that a keyed SHA-256 digest is the right storage: it allows lookup by digest and a
constant-time comparison, where a slow password hash would buy nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

BACKUP_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
BACKUP_CODE_LENGTH = 10


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
    """Hex SHA-256 of ``secret`` bound to its purpose (a code for one use is no use for another)."""
    return hmac.new(purpose.encode(), secret.encode(), hashlib.sha256).hexdigest()


def matches(stored_digest: str | None, secret: str, *, purpose: str) -> bool:
    if not stored_digest:
        return False
    return hmac.compare_digest(stored_digest, digest(secret, purpose=purpose))
