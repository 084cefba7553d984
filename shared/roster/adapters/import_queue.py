"""The import queue on SQS: a job's batches sent ten (or 250 kB) to a ``SendMessageBatch``
call; a batch brought back sooner by changing its visibility."""

from __future__ import annotations

from collections.abc import Sequence

from roster import aws
from roster.config import get_settings
from roster.models.imports import ImportBatch

SEND_BATCH = 10  # SQS's limit of messages per SendMessageBatch
SEND_BYTES = 250_000  # and of bytes per call (256 KiB), with room for the entries' ids
SEND_ROUNDS = 3  # entries SQS reports failed are sent again, this many times in all


class ImportQueueUnavailable(Exception):
    """SQS refused some of a job's batches through every retry."""


class SqsImportQueue:
    def send(self, batches: Sequence[ImportBatch]) -> None:
        queue_url = get_settings().import_queue_url
        if not queue_url:
            raise RuntimeError("no import queue configured (ROSTER_IMPORT_QUEUE_URL)")
        client = aws.sqs()
        for group in _calls([batch.model_dump_json() for batch in batches]):
            pending = {str(index): body for index, body in enumerate(group)}
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

    def retry_later(self, receipt: str, seconds: int) -> None:
        aws.sqs().change_message_visibility(QueueUrl=get_settings().import_queue_url,
                                            ReceiptHandle=receipt, VisibilityTimeout=seconds)


def _calls(bodies: list[str]) -> list[list[str]]:
    """Message bodies grouped into SendMessageBatch calls: at most ``SEND_BATCH`` messages
    and ``SEND_BYTES`` of them in each."""
    calls: list[list[str]] = []
    size = 0
    for body in bodies:
        length = len(body.encode())
        if not calls or len(calls[-1]) == SEND_BATCH or size + length > SEND_BYTES:
            calls.append([])
            size = 0
        calls[-1].append(body)
        size += length
    return calls
