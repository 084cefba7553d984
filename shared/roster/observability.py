"""The one Logger and Metrics of every function.

Secrets are never logged: handlers log identifiers and outcomes only, and as a second
line of defence ``redact`` blanks any field whose name says it carries a secret before
a structured log line is written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics

SERVICE = "roster"
NAMESPACE = "Roster"
SECRET_FIELD_MARKERS = (
    "password",
    "secret",
    "token",
    "code",
    "authorization",
    "cookie",
    "session",
    "hash",
    "seed",
)

logger = Logger(service=SERVICE, level=os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"))
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_FIELD_MARKERS)


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret-named field replaced by ``"***"``."""
    if isinstance(value, Mapping):
        return {
            key: "***" if is_secret_field(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


_STANDARD_RECORD_FIELDS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime"}


class RedactSecrets(logging.Filter):
    """Blank secret-named ``extra`` fields and dict messages before they are formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in list(record.__dict__):
            if name not in _STANDARD_RECORD_FIELDS:
                value = record.__dict__[name]
                record.__dict__[name] = "***" if is_secret_field(name) else redact(value)
        if isinstance(record.msg, Mapping):
            record.msg = redact(record.msg)
        return True


logger.addFilter(RedactSecrets())
