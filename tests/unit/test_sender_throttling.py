"""The AWS sender tells the account's sending rate and quota (wait, then retry, never
dead-letter) from other transient failures (counted) and from permanent ones."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from roster.adapters.sender import AwsSender


def _client_error(code: str, status: int, text: str = "m") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": text},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "SendEmail")


@pytest.mark.parametrize(("error", "throttling", "transient"), [
    # SES v2
    (_client_error("TooManyRequestsException", 429), True, True),
    (_client_error("LimitExceededException", 400), True, True),
    # SES v1: one code, the limit in the text
    (_client_error("Throttling", 400, "Maximum sending rate exceeded."), True, True),
    (_client_error("Throttling", 400, "Daily message quota exceeded."), True, True),
    (_client_error("MessageRejected", 400, "Daily message quota exceeded."), True, True),
    # SNS
    (_client_error("Throttling", 400, "Rate exceeded"), True, True),
    (_client_error("ThrottledException", 400), True, True),
    (_client_error("KMSThrottlingException", 400), True, True),
    (_client_error("Whatever", 429), True, True),
    # other transient failures: counted, dead-lettered at the limit
    (_client_error("InternalFailure", 500), False, True),
    (_client_error("ServiceUnavailable", 503), False, True),
    (_client_error("SendingPausedException", 400), False, True),
    (EndpointConnectionError(endpoint_url="https://email.example"), False, True),
    # permanent
    (_client_error("MessageRejected", 400), False, False),
    (_client_error("BadRequestException", 400), False, False),
    (KeyError("link"), False, False),
])
def test_throttling_is_told_apart(error: Exception, throttling: bool, transient: bool) -> None:
    assert AwsSender().is_throttling(error) is throttling
    assert AwsSender().is_transient(error) is transient
