"""Password hashing (argon2id, OWASP minimum parameters) and generated passwords.

``argon2`` is imported on first hash or verify: most requests of the functions that
import this module (for ``generate_password`` or the policy) never hash anything.
"""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

# OWASP Password Storage Cheat Sheet, argon2id minimum: m=19 MiB, t=2, p=1.
MEMORY_COST_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1

GENERATED_LENGTH = 20
_SYMBOLS = "!#$%&*+-=?@^_"
_ALPHABET = string.ascii_letters + string.digits + _SYMBOLS


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher(
        time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(24))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password`` in constant time; with no stored hash, spend the same time anyway.

    Unknown logins and agents without a password are checked against a dummy hash so a
    caller cannot tell them from a wrong password by the response time.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        _hasher().verify(stored_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError, UnicodeError):
        # UnicodeError: a string that is not valid Unicode (a lone surrogate from JSON)
        # cannot be any agent's password.
        return False
    return stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password of ``length`` (at least 20) with every character class.

    ``roster.password_policy.generate`` is what callers use: it picks the length the
    policy needs and checks the result against the policy.
    """
    length = max(length, GENERATED_LENGTH)
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in _SYMBOLS for c in candidate)
        ):
            return candidate
