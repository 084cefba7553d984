"""The import queue -> each row's outcome, once (``roster.services.imports``).

SQS delivers batches of rows; a batch whose processing raised is reported as a batch
item failure and comes back after the queue's visibility timeout (rows already done are
skipped by their markers). On the queue's last delivery of a batch, a row that still
cannot be done is recorded as failed rather than dead-lettered undone.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.config import get_settings
from roster.models.imports import ImportBatch
from roster.observability import logger, metrics
from roster.services import imports
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> None:
    batch = ImportBatch.model_validate_json(record.body)
    receives = int(record.attributes.approximate_receive_count or 1)
    try:
        imports.process_batch(batch, final=receives >= get_settings().import_max_receives,
                              pacer=welcome_pacer())
    except imports.RetryLater as error:
        logger.warning("import batch comes back later", extra={
            "import_id": batch.importId, "batch": batch.batch, "receives": receives,
            "reason": type(error).__name__, "in_seconds": error.seconds})
        imports.retry_later(record.receipt_handle, error)
        raise
    except Exception:
        logger.exception("import batch failed; the queue will deliver it again",
                         extra={"import_id": batch.importId, "batch": batch.batch,
                                "receives": receives})
        raise


@cache
def welcome_pacer() -> imports.WelcomePacer:
    """One per container (made on the first batch): its spacing holds across batches."""
    return imports.welcome_pacer()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context)
    return dict(response)
