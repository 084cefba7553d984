"""TOTP (RFC 6238) as authenticator apps use it: SHA-1, 6 digits, 30-second steps.

pyotp does the arithmetic; this module fixes the parameters, accepts one step of clock
drift either way and says *which* time step a code belongs to, so the caller can refuse
a code whose step was already accepted (a replay).
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "Roster"
DIGITS = 6
INTERVAL_SECONDS = 30
DRIFT_STEPS = 1
SECRET_LENGTH = 32  # base32 characters: 32 x 5 bits = 160 bits, RFC 4226's recommendation


def new_secret() -> str:
    """A fresh 160-bit secret, base32 (pyotp draws from ``secrets.SystemRandom``)."""
    return pyotp.random_base32(SECRET_LENGTH)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL_SECONDS, issuer=ISSUER)


def provisioning_uri(secret: str, account: str) -> str:
    """``otpauth://totp/Roster:<account>?secret=...&issuer=Roster`` for the app's QR code."""
    return _totp(secret).provisioning_uri(name=account)


def normalise(code: str) -> str:
    """Apps show codes as ``123 456``; people paste them with spaces or dashes."""
    return "".join(ch for ch in code if ch not in " -\t")


def matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The latest time step within the drift window whose code is ``code``, or ``None``.

    Every candidate step is compared (in constant time), so the time taken does not
    depend on which step matched.
    """
    candidate = normalise(code)
    if len(candidate) != DIGITS or not candidate.isascii() or not candidate.isdigit():
        return None
    totp = _totp(secret)
    current = totp.timecode(moment)
    matched: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), candidate):
            matched = step
    return matched
