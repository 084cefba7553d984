"""The import queue on SQS: a job's batches sent ten to a ``SendMessageBatch`` call."""

from __future__ import annotations

from collections.abc import Sequence

from roster import aws
from roster.config import get_settings
from roster.models.imports import ImportBatch

SEND_BATCH = 10  # SQS's limit per SendMessageBatch
SEND_ROUNDS = 3  # entries SQS reports failed are sent again, this many times in all


class ImportQueueUnavailable(Exception):
    """SQS refused some of a job's batches through every retry."""


class SqsImportQueue:
    def send(self, batches: Sequence[ImportBatch]) -> None:
        queue_url = get_settings().import_queue_url
        if not queue_url:
            raise RuntimeError("no import queue configured (ROSTER_IMPORT_QUEUE_URL)")
        client = aws.sqs()
        for start in range(0, len(batches), SEND_BATCH):
            pending = {str(index): batch.model_dump_json()
                       for index, batch in enumerate(batches[start:start + SEND_BATCH])}
            for _ in range(SEND_ROUNDS):
                answer = client.send_message_batch(QueueUrl=queue_url, Entries=[
                    {"Id": entry_id, "MessageBody": body}
                    for entry_id, body in pending.items()])
                failed = answer.get("Failed", [])
                if any(failure.get("SenderFault") for failure in failed):
                    raise ImportQueueUnavailable(f"SQS refused a batch: {failed[0]}")
                pending = {failure["Id"]: pending[failure["Id"]] for failure in failed}
                if not pending:
                    break
            if pending:
                raise ImportQueueUnavailable(f"SQS did not take {len(pending)} batches")
