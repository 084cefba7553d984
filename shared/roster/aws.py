"""AWS clients, created once per cold start and shared by every request.

``boto3`` is imported lazily so that a function pays for it only when it first talks to
AWS; the clients honour ``AWS_ENDPOINT_URL`` (the local server points it at moto).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_ssm import SSMClient


# Senders retry throttled and failed calls themselves (standard mode: exponential backoff
# with jitter, throttling and transient errors only) before the notifier gives up on a
# record; what still fails is retried by the stream and then dead-lettered.
SEND_MAX_ATTEMPTS = 5  # in all, the first try included
_RETRYING = {"sesv2", "ses", "sns"}
# DynamoDB calls are retried by roster.repository.table (throttling, transaction
# conflicts, 5xx, connections: one bounded budget, then 503 service_unavailable), so the
# SDK makes one attempt: its own retries would multiply that budget (3 attempts, waits
# of up to 1 s and 2 s by default).
DYNAMODB_SDK_ATTEMPTS = 1


_creating = threading.Lock()


@cache
def session() -> Any:
    """The one boto3 session of this process: each new session would parse the endpoint
    rules and every service model again (~50 ms a client, at cold start). Sessions are
    not thread-safe, so clients are created under a lock."""
    import boto3

    return boto3.session.Session()


@cache
def _client(service: str) -> Any:
    from botocore.config import Config

    config = None
    if service in _RETRYING:
        config = Config(retries={"mode": "standard", "total_max_attempts": SEND_MAX_ATTEMPTS})
    elif service == "dynamodb":
        config = Config(retries={"mode": "standard",
                                 "total_max_attempts": DYNAMODB_SDK_ATTEMPTS})
    with _creating:
        return session().client(service, config=config)


def dynamodb() -> DynamoDBClient:
    return _client("dynamodb")  # type: ignore[no-any-return]


def kms() -> KMSClient:
    return _client("kms")  # type: ignore[no-any-return]


def ssm() -> SSMClient:
    return _client("ssm")  # type: ignore[no-any-return]


def secrets_manager() -> SecretsManagerClient:
    return _client("secretsmanager")  # type: ignore[no-any-return]


def ses() -> SESV2Client:
    return _client("sesv2")  # type: ignore[no-any-return]


def sns() -> SNSClient:
    return _client("sns")  # type: ignore[no-any-return]


def s3() -> S3Client:
    return _client("s3")  # type: ignore[no-any-return]


def sqs() -> SQSClient:
    return _client("sqs")  # type: ignore[no-any-return]


def reset_clients() -> None:
    """Forget the cached clients (tests switch endpoints between runs)."""
    _client.cache_clear()
