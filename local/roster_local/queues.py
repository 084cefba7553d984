"""SQS → Lambda, locally: what an SQS event source mapping does.

Each ``Type: SQS`` event of a function becomes a ``QueueSubscription``: it receives up to
the batch size of messages (with their attributes, ``ApproximateReceiveCount`` included),
hands them to the function in Lambda's SQS event format, deletes the ones that
succeeded and makes the failed ones (the reported batch item failures, or all of them
when the function raised) visible again at once, where Lambda would wait out the
queue's visibility timeout: locally a retry comes at the next pump. The queue's own
redrive policy (moto's) moves a message to its dead-letter queue once it has been
received ``maxReceiveCount`` times.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roster_local.functions import FunctionFailed
from roster_local.provision import aws_client
from roster_local.template import FunctionSpec, QueueEvent

log = logging.getLogger("local_aws")  # Powertools mutes loggers named after its service

Invoke = Callable[[FunctionSpec, Any], Any]
SQS_BATCH_LIMIT = 10  # ReceiveMessage's maximum


@dataclass
class QueueSubscription:
    spec: FunctionSpec
    event: QueueEvent
    queue_arn: str
    queue_url: str
    region: str

    def pump(self, invoke: Invoke) -> int:
        """Deliver what the queue holds now, once per message; how many were delivered."""
        client = aws_client("sqs", self.region)
        answer = client.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=min(self.event.batch_size,
                                                             SQS_BATCH_LIMIT),
            AttributeNames=["All"], MessageAttributeNames=["All"], WaitTimeSeconds=0)
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        failed = self._invoke(invoke, messages)
        for message in messages:
            if message["MessageId"] in failed:
                client.change_message_visibility(QueueUrl=self.queue_url,
                                                 ReceiptHandle=message["ReceiptHandle"],
                                                 VisibilityTimeout=0)
            else:
                client.delete_message(QueueUrl=self.queue_url,
                                      ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _invoke(self, invoke: Invoke, messages: list[dict[str, Any]]) -> set[str]:
        """The ids of the messages that failed."""
        every = {message["MessageId"] for message in messages}
        try:
            result = invoke(self.spec, {"Records": [self._record(m) for m in messages]})
        except FunctionFailed:
            log.exception("%s: the function failed; its batch will be retried", self.spec.name)
            return every
        if not self.event.report_batch_item_failures or not isinstance(result, dict):
            return set()
        return {str(failure.get("itemIdentifier"))
                for failure in result.get("batchItemFailures") or ()} & every

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        body = str(message.get("Body", ""))
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": dict(message.get("MessageAttributes") or {}),
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }


class QueuePump:
    """Every queue subscription of the stack (``Runtime.deliver_events`` drives it)."""

    def __init__(self) -> None:
        self.subscriptions: list[QueueSubscription] = []

    def pump(self, invoke: Invoke) -> int:
        return sum(subscription.pump(invoke) for subscription in self.subscriptions)
