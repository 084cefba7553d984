"""The AWS round trips a block of code makes, seen by botocore event hooks on Roster's
clients (every call goes through ``roster.aws``: the repository, the senders, KMS,
Secrets Manager, Powertools' idempotency and parameters alike).

One recorder, ``aws_calls``, serves the tests (the calls in order, items read) and the
bench (calls per service and operation, this thread only, paused while streams run).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

READS = {"Query", "Scan", "GetItem", "BatchGetItem"}


@contextmanager
def aws_hook(event: str, handler: Callable[..., Any],
             services: Sequence[str] = ("dynamodb",)) -> Iterator[None]:
    """``handler`` on botocore's ``event`` of Roster's client of each service, inside the
    block."""
    from roster import aws

    accessors: dict[str, Callable[[], Any]] = {
        "dynamodb": aws.dynamodb, "kms": aws.kms, "secretsmanager": aws.secrets_manager,
        "sesv2": aws.ses, "sns": aws.sns, "s3": aws.s3, "sqs": aws.sqs}
    clients = [(service, accessors[service]()) for service in services]
    for service, client in clients:
        client.meta.events.register(f"{event}.{service}", handler)
    try:
        yield
    finally:
        for service, client in clients:
            client.meta.events.unregister(f"{event}.{service}", handler)


@contextmanager
def dynamodb_hook(event: str, handler: Callable[..., Any]) -> Iterator[None]:
    """``handler`` on the DynamoDB client's botocore ``event`` inside the block."""
    with aws_hook(event, handler):
        yield


def items_read(operation: str, parsed: dict[str, Any]) -> int:
    """Items a read operation's answer says it read (``ScannedCount`` for a filtered
    query: what was paid for, not what was kept)."""
    if operation in {"Query", "Scan"}:
        return int(parsed.get("ScannedCount", parsed.get("Count", 0)) or 0)
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in parsed.get("Responses", {}).values())
    return 0


def sized(operation: str, params: dict[str, Any]) -> list[str]:
    """``TransactWriteItems:<n>`` for a transaction of n items (its cost grows with the
    items it writes), the operation's name otherwise."""
    written = params.get("TransactItems")
    return [operation if written is None else f"{operation}:{len(written)}"]


def with_actions(operation: str, params: dict[str, Any]) -> list[str]:
    """The operation, then ``-Put``, ``-Update``... for each action of a transaction (what
    an IAM policy must allow)."""
    return [operation, *(f"-{kind}" for item in params.get("TransactItems", [])
                         for kind in item)]


@dataclass
class AwsCalls:
    """What was called while recording: ``entries`` (each call named by ``name``, in
    order), ``counts`` (``service:Operation``), ``reads`` (items read, by operation)."""

    name: Callable[[str, dict[str, Any]], list[str]] = sized
    thread: int | None = None  # record this thread's calls only
    entries: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    reads: dict[str, int] = field(default_factory=dict)
    on: bool = True

    @property
    def items_read(self) -> int:
        return sum(self.reads.values())

    def clear(self) -> None:
        self.entries.clear()
        self.counts.clear()
        self.reads.clear()

    @contextmanager
    def paused(self) -> Iterator[None]:
        previous, self.on = self.on, False
        try:
            yield
        finally:
            self.on = previous

    def _wanted(self) -> bool:
        return self.on and self.thread in (None, threading.get_ident())

    def before(self, params: dict[str, Any], model: Any, context: dict[str, Any],
               **_: Any) -> None:
        if not self._wanted():
            return
        context["aws_calls_recorded"] = True
        self.entries += self.name(model.name, params)
        self.counts[f"{model.service_model.service_name}:{model.name}"] += 1

    def after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any],
              **_: Any) -> None:
        if context.get("aws_calls_recorded") and model.name in READS:
            self.reads[model.name] = self.reads.get(model.name, 0) + \
                items_read(model.name, parsed)


@contextmanager
def aws_calls(services: Sequence[str] = ("dynamodb",), *,
              name: Callable[[str, dict[str, Any]], list[str]] = sized,
              this_thread: bool = False) -> Iterator[AwsCalls]:
    """Record the calls of Roster's clients of ``services`` inside the block."""
    recorder = AwsCalls(name, threading.get_ident() if this_thread else None)
    with aws_hook("before-parameter-build", recorder.before, services), \
            aws_hook("after-call", recorder.after, services):
        yield recorder


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB API calls made inside the block (one entry per round trip;
    ``TransactWriteItems:<n>`` for a transaction of n items)."""
    with aws_calls() as recorded:
        yield recorded.entries
