"""The password policy, used everywhere a password is set.

Rules (each failure named in the ``422 password_policy`` problem's ``errors``):
``min_length`` / ``max_length`` (Unicode code points after NFKC normalisation),
``require_<class>`` for each class in ``ROSTER_PASSWORD_REQUIRE_CLASSES``, ``common`` (on
zxcvbn's list of 30,000 common passwords), ``contains_account`` and
``contains_email`` (the agent's account or email local part, ignoring case).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from roster.config import get_settings
from roster.errors import PasswordPolicy

MAX_LENGTH = 128
MIN_IDENTIFIER_LENGTH = 3  # shorter accounts/local parts would forbid too much

_CLASS_TESTS: dict[str, Callable[[str], bool]] = {
    "lower": str.islower,
    "upper": str.isupper,
    "digit": str.isdigit,
    "symbol": lambda ch: not ch.isalnum() and not ch.isspace(),
}
_CLASS_NAMES = {
    "lower": "a lower-case letter",
    "upper": "an upper-case letter",
    "digit": "a digit",
    "symbol": "a symbol",
}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the 30,000 most common passwords, loaded on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def violations(password: str, *, account: str | None = None,
               email: str | None = None) -> list[tuple[str, str]]:
    """Every rule ``password`` breaks, as ``(rule, message)`` pairs; empty when it passes."""
    settings = get_settings()
    text = normalise(password)
    failed: list[tuple[str, str]] = []
    if len(text) < settings.password_min_length:
        failed.append(("min_length",
                       f"must be at least {settings.password_min_length} characters"))
    if len(text) > MAX_LENGTH:
        failed.append(("max_length", f"must be at most {MAX_LENGTH} characters"))
    for name in settings.password_require_classes:
        if not any(_CLASS_TESTS[name](ch) for ch in text):
            failed.append((f"require_{name}", f"must contain {_CLASS_NAMES[name]}"))
    lowered = text.casefold()
    if lowered in common_passwords():
        failed.append(("common", "is too common"))
    if account and len(account) >= MIN_IDENTIFIER_LENGTH and account.casefold() in lowered:
        failed.append(("contains_account", "must not contain the account name"))
    local_part = email.split("@", 1)[0] if email else ""
    if len(local_part) >= MIN_IDENTIFIER_LENGTH and local_part.casefold() in lowered:
        failed.append(("contains_email", "must not contain the email address"))
    return failed


def check(password: str, *, account: str | None = None, email: str | None = None,
          field: str = "password") -> None:
    """Raise ``PasswordPolicy`` naming every rule that failed."""
    failed = violations(password, account=account, email=email)
    if failed:
        raise PasswordPolicy(
            "The password does not meet the policy: " + ", ".join(rule for rule, _ in failed),
            errors=[{"field": field, "rule": rule, "message": message}
                    for rule, message in failed],
        )
