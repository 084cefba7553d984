"""Unit tests run with no AWS at all: settings come from a fixed test environment."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

from roster import codes  # noqa: E402
from roster.config import get_settings  # noqa: E402

UNIT_ENV = {
    "ROSTER_TABLE_NAME": "unit-table",
    "ROSTER_KMS_KEY_ID": "unit-key",
    "ROSTER_TOKEN_SECRET_ID": "unit-secret",
    "ROSTER_DIGEST_SECRET_ID": "unit-digest-secret",
    "ROSTER_EMAIL_SENDER": "roster@example.com",
    "ROSTER_PHOTO_BUCKET": "unit-bucket",
    # Any accidental AWS call fails fast instead of reaching a real endpoint.
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ACCESS_KEY_ID": "unit",
    "AWS_SECRET_ACCESS_KEY": "unit",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(autouse=True)
def unit_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in UNIT_ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def digest_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """The digest secret's versions by stage, in place of Secrets Manager (a test may
    add ``codes.PREVIOUS`` or replace ``codes.CURRENT`` to rotate)."""
    keys = {codes.CURRENT: b"unit-digest-key"}
    monkeypatch.setattr(codes, "_fetch", keys.get)
    codes.forget_keys()
    yield keys
    codes.forget_keys()
