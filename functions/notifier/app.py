"""DynamoDB stream -> SES (email) / SNS (SMS) for outbox items, with partial failures."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.observability import logger, metrics
from roster.services.notifications import Patience, deliver
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

# One send: 5 client attempts with standard backoff, at most ~15 s, plus the calls. A
# throttled send waits and tries again while more than this is left of the invocation.
SEND_BUDGET_MS = 20_000


class OutOfTime(Exception):
    """Too little of the invocation is left to send this message safely."""


# A batch whose every record failed is reported like any other (all items failed) rather
# than raised: the stream retries the same records either way, without an error per batch.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams,
                           raise_on_entire_batch_failure=False)


def record_handler(record: DynamoDBRecord, lambda_context: LambdaContext | None = None) -> None:
    """Send a newly written outbox item (its later status updates are not new messages).

    A send may take up to ``SEND_BUDGET_MS`` with the client's retries; with less time
    left the record is failed untouched (and retried), rather than cut off mid-send by
    the timeout, which would fail the whole batch. A throttled send is retried while the
    invocation has more than that left.
    """
    if record.event_name is None or record.event_name.name != "INSERT":
        return
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or image.get("sk") != "OUTBOX":
        return
    if lambda_context is None:  # no deadline known: a throttled send is not waited out
        deliver(dict(image))
        return
    if lambda_context.get_remaining_time_in_millis() < SEND_BUDGET_MS:
        raise OutOfTime(str(image.get("id")))
    deliver(dict(image), Patience(time_left_ms=lambda_context.get_remaining_time_in_millis,
                                  reserve_ms=SEND_BUDGET_MS))


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
