"""The outbox's ``Sender`` on AWS: SES for email, SNS for SMS, SQS as dead-letter queue.

Transient failures (throttling, 5xx, timeouts) are first retried by the clients
themselves (``roster.aws``: standard retry mode). Throttling (the account's sending rate
or daily quota) is told apart: the notifier waits it out rather than count it a failure.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from roster import aws
from roster.config import get_settings

# Error codes of SES (v1 and v2) and SNS that say "too fast / too many today": the
# account's sending rate or quota (besides any 429).
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "LimitExceededException", "KMSThrottlingException",
})
# SES v1 answers both limits with these texts (the code may be a generic one).
THROTTLING_TEXTS = ("Maximum sending rate exceeded", "Daily message quota exceeded")
# Error codes that say "not now" rather than "never" (besides throttling and any 5xx).
TRANSIENT_CODES = THROTTLING_CODES | frozenset({
    "SendingPausedException", "ServiceUnavailable", "ServiceUnavailableException",
    "InternalFailure", "InternalError", "InternalErrorException", "RequestTimeout",
    "RequestTimeoutException", "ProvisionedThroughputExceededException",
})


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class AwsSender:
    def send_email(self, to: str, subject: str, body: str) -> None:
        aws.ses().send_email(
            FromEmailAddress=get_settings().email_sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            }},
        )

    def send_sms(self, to: str, text: str) -> None:
        aws.sns().publish(
            PhoneNumber=to,
            Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String",
                                                        "StringValue": "Transactional"}},
        )

    def dead_letter(self, record: dict[str, Any]) -> None:
        queue_url = get_settings().dead_letter_queue_url
        if not queue_url:
            raise RuntimeError("no dead-letter queue configured")
        aws.sqs().send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))

    def is_transient(self, error: Exception) -> bool:
        if isinstance(error, ClientError):
            return (_code(error) in TRANSIENT_CODES or _status(error) >= 500
                    or self.is_throttling(error))
        return isinstance(error, BotoCoreError)

    def is_throttling(self, error: Exception) -> bool:
        if not isinstance(error, ClientError):
            return False
        text = str(error.response.get("Error", {}).get("Message", ""))
        return (_code(error) in THROTTLING_CODES or _status(error) == 429
                or any(phrase in text for phrase in THROTTLING_TEXTS))

    def failure_code(self, error: Exception) -> str | None:
        if isinstance(error, ClientError):
            return str(error.response.get("Error", {}).get("Code", "ClientError"))
        return None
