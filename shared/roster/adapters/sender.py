"""The outbox's ``Sender`` on AWS: SES for email, SNS for SMS, SQS as dead-letter queue.

Transient failures (throttling, 5xx, timeouts) are first retried by the clients
themselves (``roster.aws``: standard retry mode).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from roster import aws
from roster.config import get_settings

# Error codes that say "not now" rather than "never" (besides any 5xx / 429).
TRANSIENT_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "LimitExceededException", "SendingPausedException",
    "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalError",
    "InternalErrorException", "RequestTimeout", "RequestTimeoutException",
    "KMSThrottlingException", "ProvisionedThroughputExceededException",
})


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
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            return code in TRANSIENT_CODES or status >= 500 or status == 429
        return isinstance(error, BotoCoreError)

    def failure_code(self, error: Exception) -> str | None:
        if isinstance(error, ClientError):
            return str(error.response.get("Error", {}).get("Code", "ClientError"))
        return None
