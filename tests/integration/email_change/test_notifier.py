"""Notifications are never lost and never doubled: SES/SNS failures are injected into the
real clients (a botocore ``before-send`` hook answering like the service would), so the
clients' own retry configuration, the notifier's waiting out of throttling, its count of
failed deliveries, the stream's retries and the dead-letter queue are what is tested."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from roster import aws, clock, messages
from roster.models.outbox import OutboxMessage
from roster.repository import get_repository, keys
from roster.repository.table import serialize
from roster.services import email_change
from roster.services.notifications import DELIVERY_ATTEMPTS
from roster.templates import Template
from roster_local import streams
from roster_local.functions import LocalLambdaContext
from roster_local.runtime import Runtime
from support.agents import AgentFactory
from support.mail import emails_to

ADMIN_ID = "admin-actor"
CLIENT_ATTEMPTS = 5  # the SES/SNS clients' standard retry mode
A_DAY = 86_400  # SES's daily quota resets within one


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def ses_error(code: str, status: int, text: str = "") -> AWSResponse:
    """An SES v2 (REST-JSON) error response."""
    return AWSResponse("https://email.us-east-1.amazonaws.com", status,
                       {"x-amzn-ErrorType": code, "Content-Type": "application/json"},
                       _Body(json.dumps({"message": text or code}).encode()))


def sns_error(code: str, status: int) -> AWSResponse:
    """An SNS (query protocol) error response."""
    body = (f'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
            f"<Type>Sender</Type><Code>{code}</Code><Message>{code}</Message></Error>"
            f"<RequestId>r</RequestId></ErrorResponse>").encode()
    return AWSResponse("https://sns.us-east-1.amazonaws.com", status,
                       {"Content-Type": "text/xml"}, _Body(body))


@dataclass
class Outage:
    """Answers the matching calls with ``error`` while ``failing(call_number, body)``."""

    error: Callable[[], AWSResponse]
    failing: Callable[[int, bytes], bool]
    calls: list[bool] = field(default_factory=list)  # True = failed

    operation: str = ""

    def __call__(self, request: Any, event_name: str = "", **_: Any) -> AWSResponse | None:
        if event_name != self.operation:
            return None
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        failed = self.failing(len(self.calls), body)
        self.calls.append(failed)
        if not failed:
            return None
        # botocore calls every before-send handler and uses the first answer; send moto's
        # (which runs after this one) elsewhere, so the failed call leaves no trace there.
        request.url = "https://injected-failure.invalid/"
        return self.error()


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Outage]]:
    """Install an outage on the SES or SNS client (first in line, before moto)."""
    monkeypatch.setattr("botocore.endpoint.time.sleep", lambda _: None)  # no real backoff
    installed: list[tuple[Any, str, Outage]] = []

    def install(service: str, error: Callable[[], AWSResponse],
                failing: Callable[[int, bytes], bool]) -> Outage:
        client = aws.ses() if service == "ses" else aws.sns()
        event = "before-send.sesv2.SendEmail" if service == "ses" else "before-send.sns.Publish"
        handler = Outage(error, failing, operation=event)
        # On the generic event and first, so it answers before moto's own handler does.
        client.meta.events.register_first("before-send", handler)
        installed.append((client, event, handler))
        return handler

    yield install
    for client, _event, handler in installed:
        client.meta.events.unregister("before-send", handler)


@dataclass
class PausedTime:
    """Sleeps (the clients' backoff, the notifier's pauses) take no real time, but use up
    the notifier invocation's time as they would in Lambda."""

    slept: float = 0.0

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


@pytest.fixture
def paused_time(outage: Callable[..., Outage],
                monkeypatch: pytest.MonkeyPatch) -> PausedTime:
    paused = PausedTime()
    monkeypatch.setattr("roster.services.notifications.time.sleep", paused.sleep)
    real = LocalLambdaContext.get_remaining_time_in_millis

    def remaining(context: LocalLambdaContext) -> int:
        started = vars(context).setdefault("paused_at_start", paused.slept)
        return real(context) - int((paused.slept - started) * 1000)

    monkeypatch.setattr(LocalLambdaContext, "get_remaining_time_in_millis", remaining)
    return paused


def dead_letters(runtime: Runtime) -> list[dict[str, Any]]:
    sqs = aws.sqs()
    url = runtime.environment["ROSTER_DEAD_LETTER_QUEUE_URL"]
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def outbox_item(message_id: str) -> dict[str, Any]:
    item = get_repository().table.get(keys.outbox(message_id))
    assert item is not None
    return item


def queue(message: OutboxMessage) -> dict[str, Any]:
    """Write an outbox message as a change's transaction would; return the stored item."""
    get_repository().record_events(messages=[message])
    return outbox_item(message.id)


def stream_event(*items: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB stream batch carrying ``items`` as INSERT records."""
    return {"Records": [
        {"eventID": f"e{n}", "eventName": "INSERT", "eventVersion": "1.1",
         "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
         "dynamodb": {"Keys": serialize({"pk": item["pk"], "sk": item["sk"]}),
                      "NewImage": serialize(item), "SequenceNumber": f"{100 + n}",
                      "SizeBytes": 100, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        for n, item in enumerate(items)
    ]}


@pytest.fixture
def sms_template(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(messages.TEMPLATES, "test.sms",
                        {"en": Template(subject="", body="", sms="Code {code} for {name}")})
    return "test.sms"


# ------------------------------------------------------------------ once per outbox item


def test_a_record_delivered_twice_is_sent_once(runtime: Runtime) -> None:
    # Given an outbox item, and a stream that delivers its record twice (even in one batch)
    item = queue(OutboxMessage(channel="email", to="jane@example.com",
                               template="email_change.notice",
                               params={"firstName": "Jane", "account": "jdoe",
                                       "maskedNewEmail": "n***@example.com"}))
    event = stream_event(item, item)
    # When the notifier gets the batch, and then the stream delivers it once more
    first = runtime.invoke_function("notifier", event)
    second = runtime.invoke_function("notifier", stream_event(item))
    runtime.pump_streams()  # and the real stream record too
    # Then no record failed and exactly one email went out; the item is marked sent
    assert first == {"batchItemFailures": []} and second == {"batchItemFailures": []}
    assert len(emails_to(runtime, "jane@example.com")) == 1
    assert outbox_item(item["id"])["status"] == "sent"


def test_a_record_another_delivery_is_sending_is_retried_not_dropped(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an outbox item claimed by a delivery that has not finished (or died)
    item = queue(OutboxMessage(channel="email", to="jane@example.com",
                               template="email_change.notice",
                               params={"firstName": "Jane", "account": "jdoe",
                                       "maskedNewEmail": "n***@example.com"}))
    assert get_repository().claim_outbox(item["id"])
    # When the stream delivers its record
    result = runtime.invoke_function("notifier", stream_event(item))
    # Then the record is reported failed (to come back), and nothing is sent yet
    assert result == {"batchItemFailures": [{"itemIdentifier": "100"}]}
    assert emails_to(runtime, "jane@example.com") == []
    # And once the claim is stale (the other delivery died), the retry sends it
    later = clock.now() + timedelta(minutes=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert runtime.invoke_function("notifier", stream_event(item)) == {"batchItemFailures": []}
    assert len(emails_to(runtime, "jane@example.com")) == 1


# ------------------------------------------------------------------ SES failures


def test_throttled_sends_are_retried_by_the_client(
        runtime: Runtime, agent_factory: AgentFactory, outage: Callable[..., Outage]) -> None:
    # Given SES throttles the first two calls
    ses = outage("ses", lambda: ses_error("TooManyRequestsException", 429),
                 lambda number, _: number < 2)
    agent = agent_factory("jane@example.com")
    # When an email change queues its two emails
    email_change.start_change(ADMIN_ID, agent, "new@example.com")
    runtime.pump_streams()
    # Then the client retried: 2 throttled calls + 2 sent, each email once
    assert ses.calls == [True, True, False, False]
    assert len(emails_to(runtime, "new@example.com")) == 1
    assert len(emails_to(runtime, "jane@example.com")) == 1


def test_ses_down_the_change_stands_the_message_is_retried_then_dead_lettered(
        runtime: Runtime, agent_factory: AgentFactory, outage: Callable[..., Outage]) -> None:
    # Given SES fails every call to the new address (an outage, not throttling)
    ses = outage("ses", lambda: ses_error("InternalFailure", 500),
                 lambda _, body: b"new@example.com" in body)
    agent = agent_factory("jane@example.com")
    # When an email change is made
    updated = email_change.start_change(ADMIN_ID, agent, "new@example.com")
    runtime.pump_streams()
    # Then the change stands, the old address got its notice
    assert get_repository().get_agent(agent.id).pendingEmail == updated.pendingEmail  # type: ignore[union-attr]
    assert len(emails_to(runtime, "jane@example.com")) == 1
    # And the link mail was tried 5 times by the client, then released for a retry
    assert ses.calls.count(True) == CLIENT_ATTEMPTS
    assert emails_to(runtime, "new@example.com") == []
    assert dead_letters(runtime) == []
    # When the stream brings it back until the notifier's attempts are spent
    for _ in range(DELIVERY_ATTEMPTS - 1):
        runtime.pump_streams()
    # Then it was tried on every delivery, never sent, and the notifier dead-lettered it
    assert ses.calls.count(True) == CLIENT_ATTEMPTS * DELIVERY_ATTEMPTS
    assert emails_to(runtime, "new@example.com") == []
    (letter,) = dead_letters(runtime)
    assert letter["source"] == "roster.notifier" and letter["agentId"] == agent.id
    assert letter["template"] == "email_change.verify"
    assert letter["reason"] == f"InternalFailure after {DELIVERY_ATTEMPTS} attempts"
    # And the outbox item is marked failed, its secret dropped, never in the letter
    item = outbox_item(letter["outboxId"])
    assert item["status"] == "failed" and "sealed" not in item
    assert "token=" not in json.dumps(letter)
    # And the stream does not bring it back
    runtime.pump_streams()
    assert ses.calls.count(True) == CLIENT_ATTEMPTS * DELIVERY_ATTEMPTS


def test_a_rejected_message_is_dead_lettered_at_once(
        runtime: Runtime, agent_factory: AgentFactory, outage: Callable[..., Outage]) -> None:
    # Given SES rejects mail to the new address (a permanent failure)
    ses = outage("ses", lambda: ses_error("MessageRejected", 400),
                 lambda _, body: b"new@example.com" in body)
    agent = agent_factory("jane@example.com")
    # When an email change is made
    email_change.start_change(ADMIN_ID, agent, "new@example.com")
    runtime.pump_streams()
    # Then it was tried once (retrying cannot help), and dead-lettered by the notifier
    assert ses.calls.count(True) == 1
    (letter,) = dead_letters(runtime)
    assert letter["source"] == "roster.notifier" and letter["reason"] == "MessageRejected"
    assert letter["template"] == "email_change.verify" and letter["agentId"] == agent.id
    # And the item is marked failed with its sealed secret dropped; the change stands
    item = outbox_item(letter["outboxId"])
    assert item["status"] == "failed" and "sealed" not in item
    assert item["failure"] == "MessageRejected"
    assert get_repository().get_agent(agent.id).pendingEmail is not None  # type: ignore[union-attr]
    # And the stream does not retry it
    for _ in range(DELIVERY_ATTEMPTS + 1):
        runtime.pump_streams()
    assert ses.calls.count(True) == 1 and dead_letters(runtime) == []


def test_one_failing_message_does_not_hold_up_the_others(
        runtime: Runtime, outage: Callable[..., Outage]) -> None:
    # Given a batch of two emails, one to an address SES fails
    outage("ses", lambda: ses_error("ServiceUnavailable", 503),
           lambda _, body: b"stuck@example.com" in body)
    params = {"firstName": "Jane", "account": "jdoe", "maskedNewEmail": "n***@example.com"}
    stuck = queue(OutboxMessage(channel="email", to="stuck@example.com",
                                template="email_change.notice", params=params))
    fine = queue(OutboxMessage(channel="email", to="fine@example.com",
                               template="email_change.notice", params=params))
    # When the notifier gets them in one batch
    result = runtime.invoke_function("notifier", stream_event(stuck, fine))
    # Then only the stuck one is reported failed; the other is sent
    assert result == {"batchItemFailures": [{"itemIdentifier": "100"}]}
    assert len(emails_to(runtime, "fine@example.com")) == 1
    assert outbox_item(stuck["id"])["status"] == "pending"
    assert outbox_item(fine["id"])["status"] == "sent"


# ------------------------------------------------------------------ SNS failures


def sms_sent(to: str) -> list[str]:
    from moto.sns.models import sns_backends

    backend = sns_backends["123456789012"]["us-east-1"]
    return [text for phone, text in backend.sms_messages.values() if phone == to]


def test_throttled_sms_is_retried_and_sent_once(
        runtime: Runtime, outage: Callable[..., Outage], sms_template: str) -> None:
    # Given SNS throttles the first three calls
    sns = outage("sns", lambda: sns_error("Throttling", 400), lambda number, _: number < 3)
    # When an SMS is queued
    message = OutboxMessage(channel="sms", to="+4798765432", template=sms_template,
                            params={"name": "Jane"}, secret_params={"code": "864209"})
    queue(message)
    runtime.pump_streams()
    # Then the client retried and the SMS went out once, with its sealed code filled in
    assert sns.calls == [True, True, True, False]
    assert sms_sent("+4798765432") == ["Code 864209 for Jane"]
    assert outbox_item(message.id)["status"] == "sent"
    assert "sealed" not in outbox_item(message.id)


def test_sns_down_the_sms_is_retried_then_dead_lettered(
        runtime: Runtime, outage: Callable[..., Outage], sms_template: str) -> None:
    # Given SNS fails every call
    sns = outage("sns", lambda: sns_error("InternalError", 500), lambda _number, _body: True)
    message = OutboxMessage(channel="sms", to="+4798765432", template=sms_template,
                            params={"name": "Jane"}, secret_params={"code": "864209"})
    queue(message)
    # When the stream delivers it, and brings it back as often as the notifier tries
    for _ in range(DELIVERY_ATTEMPTS):
        runtime.pump_streams()
    # Then it was tried 5 times per delivery, never sent, and dead-lettered
    assert len(sns.calls) == CLIENT_ATTEMPTS * DELIVERY_ATTEMPTS
    assert sms_sent("+4798765432") == []
    (letter,) = dead_letters(runtime)
    assert letter["outboxId"] == message.id and letter["channel"] == "sms"
    assert outbox_item(message.id)["status"] == "failed"
    # And the code never appears in clear in the dead letter
    assert "864209" not in json.dumps(letter)


# ------------------------------------------------------------------ rate and quota


def test_a_throttled_send_is_waited_out_and_sent_once(
        runtime: Runtime, outage: Callable[..., Outage], paused_time: PausedTime) -> None:
    # Given SES throttles more calls in a row than its client retries
    throttled = CLIENT_ATTEMPTS + 2
    ses = outage("ses", lambda: ses_error("TooManyRequestsException", 429),
                 lambda number, _: number < throttled)
    item = queue(OutboxMessage(channel="email", to="jane@example.com",
                               template="email_change.notice",
                               params={"firstName": "Jane", "account": "jdoe",
                                       "maskedNewEmail": "n***@example.com"}))
    # When the stream delivers it
    runtime.pump_streams()
    # Then the notifier paused and tried again in the same delivery: sent once, counted once
    assert ses.calls == [True] * throttled + [False]
    assert len(emails_to(runtime, "jane@example.com")) == 1
    assert outbox_item(item["id"])["status"] == "sent"
    assert outbox_item(item["id"])["attempts"] == 1
    assert paused_time.slept > 0 and dead_letters(runtime) == []


def test_with_the_daily_quota_spent_mail_waits_and_is_never_dead_lettered(
        runtime: Runtime, outage: Callable[..., Outage], paused_time: PausedTime) -> None:
    # Given SES refuses every call: the account's daily quota is spent
    quota = {"spent": True}
    ses = outage("ses", lambda: ses_error("LimitExceededException", 400,
                                          "Daily message quota exceeded."),
                 lambda _number, _body: quota["spent"])
    item = queue(OutboxMessage(channel="email", to="jane@example.com",
                               template="email_change.notice",
                               params={"firstName": "Jane", "account": "jdoe",
                                       "maskedNewEmail": "n***@example.com"}))
    # When the stream delivers it more often than a failing message is tried
    for _ in range(DELIVERY_ATTEMPTS + 2):
        runtime.pump_streams()
    # Then each delivery waited as long as its invocation allowed, then gave it back
    assert len(ses.calls) > CLIENT_ATTEMPTS * (DELIVERY_ATTEMPTS + 2)
    assert paused_time.slept > 30 * (DELIVERY_ATTEMPTS + 2)
    # And nothing was sent or dead-lettered, nor counted against the message
    assert emails_to(runtime, "jane@example.com") == [] and dead_letters(runtime) == []
    assert outbox_item(item["id"])["status"] == "pending"
    assert outbox_item(item["id"])["attempts"] == 0
    # When the quota resets, the next delivery sends it once
    quota["spent"] = False
    runtime.pump_streams()
    assert len(emails_to(runtime, "jane@example.com")) == 1
    assert outbox_item(item["id"])["status"] == "sent"


def test_a_message_throttled_for_over_a_day_is_dead_lettered_by_the_stream_for_replay(
        runtime: Runtime, outage: Callable[..., Outage], paused_time: PausedTime,
        sms_template: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given SNS throttles every SMS, and an SMS the stream has delivered once
    sns = outage("sns", lambda: sns_error("Throttling", 400), lambda _number, _body: True)
    message = OutboxMessage(channel="sms", to="+4798765432", template=sms_template,
                            params={"name": "Jane"}, secret_params={"code": "864209"})
    queue(message)
    runtime.pump_streams()
    tried = len(sns.calls)
    assert tried >= CLIENT_ATTEMPTS and dead_letters(runtime) == []
    # When its record is older than the stream event's maximum age (a day: the stream
    # retries it until then)
    (event,) = runtime.function("notifier").stream_events
    assert (event.maximum_retry_attempts, event.maximum_record_age_seconds) == (-1, A_DAY)
    later = streams.now() + A_DAY + 1
    monkeypatch.setattr(streams, "now", lambda: later)
    runtime.pump_streams()
    # Then the stream sent it to the dead-letter queue without trying it again
    assert len(sns.calls) == tried
    (letter,) = dead_letters(runtime)
    assert letter["requestContext"]["condition"] == "RecordAgeExceeded"
    assert letter["Records"][0]["dynamodb"]["NewImage"]["id"] == {"S": message.id}
    assert "864209" not in json.dumps(letter)
    # And the outbox item is still pending with its code sealed, for a replay
    item = outbox_item(message.id)
    assert item["status"] == "pending" and "sealed" in item


def test_with_too_little_time_left_a_record_is_failed_untouched(runtime: Runtime) -> None:
    # Given an outbox item, and a notifier invocation about to time out
    from roster.openapi import load_function_module
    from roster_local.functions import LocalLambdaContext

    item = queue(OutboxMessage(channel="email", to="late@example.com",
                               template="email_change.notice",
                               params={"firstName": "Jane", "account": "jdoe",
                                       "maskedNewEmail": "n***@example.com"}))
    notifier = load_function_module("notifier", suffix="_deadline")
    context = LocalLambdaContext(function_name="notifier", invoked_function_arn="arn",
                                 memory_limit_in_mb=512, aws_request_id="r",
                                 timeout_seconds=notifier.SEND_BUDGET_MS // 1000 - 1)
    # When it gets the record
    result = notifier.handler(stream_event(item), context)
    # Then the record is failed without being claimed or sent, so a retry sends it
    assert result == {"batchItemFailures": [{"itemIdentifier": "100"}]}
    assert outbox_item(item["id"])["status"] == "pending"
    runtime.pump_streams()
    assert len(emails_to(runtime, "late@example.com")) == 1
