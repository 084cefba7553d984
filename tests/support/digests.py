"""Keyed digests recomputed independently of ``roster.codes`` (tests of secrets at rest):
with the key read from the provisioned ``DigestKeySecret`` they match what is stored;
with only the public purpose they must not."""

from __future__ import annotations

import hashlib
import hmac
import os

import boto3
from roster import codes


def digest_secret() -> str:
    """The digest key as Secrets Manager holds it now (``AWSCURRENT``)."""
    value = boto3.client("secretsmanager").get_secret_value(
        SecretId=os.environ["ROSTER_DIGEST_SECRET_ID"])
    return str(value["SecretString"])


def keyed(key: str, secret: str, purpose: str) -> str:
    """The documented construction: HMAC(HMAC(key, label | purpose), secret)."""
    subkey = hmac.new(key.encode(), b"roster/secret-digest/v1\x00" + purpose.encode(),
                      hashlib.sha256).digest()
    return hmac.new(subkey, secret.encode(), hashlib.sha256).hexdigest()


def public_forms(secret: str, purpose: str) -> set[str]:
    """What anyone who reads the table and the code can compute: digests keyed by the
    public purpose (the scheme this rule replaced) or by nothing at all."""
    return {
        hmac.new(purpose.encode(), secret.encode(), hashlib.sha256).hexdigest(),
        hashlib.sha256(secret.encode()).hexdigest(),
        hashlib.sha256((purpose + secret).encode()).hexdigest(),
    }


def rotate() -> None:
    """Put a new digest key (the old one becomes ``AWSPREVIOUS``), as docs/operations.md
    says, and let the functions' caches expire."""
    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ["ROSTER_DIGEST_SECRET_ID"], SecretString=codes.opaque_token(48))
    codes.forget_keys()
