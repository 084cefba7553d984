"""The one Logger, Tracer and Metrics of every function.

Secrets are never logged: handlers log identifiers and outcomes only, and as a second
line of defence ``redact`` blanks any field whose name says it carries a secret before
a structured log line is written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

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


@lru_cache(maxsize=1)
def get_tracer() -> Tracer:
    """The X-Ray tracer, created on first use: importing the X-Ray SDK costs ~0.5 s of cold
    start, and the functions' own segments come from ``Tracing: Active`` without it."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


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
