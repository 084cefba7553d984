"""The local runtime plays API Gateway, Lambda and DynamoDB Streams as AWS would.

Most tests run ``template.yaml`` itself (the ``runtime`` fixture); those that need
functions with a known behaviour run ``fixtures/template.yaml`` and its fixture
functions.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from roster_local import FunctionFailed, Runtime, UnknownFunction
from roster_local.streams import matches_pattern
from roster_local.template import Template, load_template
from support.api import Caller

FIXTURES = Path(__file__).parent / "fixtures"
ISO_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def fixture_runtime(aws: None) -> Iterator[Runtime]:
    saved = dict(os.environ)
    try:
        yield Runtime(FIXTURES / "template.yaml").provision()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def put(runtime: Runtime, pk: str, sk: str = "MSG", **extra: Any) -> None:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, **extra}
    boto3.client("dynamodb").put_item(TableName=runtime.environment["FIXTURE_TABLE"], Item=item)


def sms_bodies(runtime: Runtime) -> list[Any]:
    return [json.loads(m["body"]) for m in runtime.outbox() if m["channel"] == "sms"]


# --------------------------------------------------------------------------- provisioning


def test_table_is_created_as_the_template_declares_it(runtime: Runtime) -> None:
    # Given the template's table properties
    declared = Template.load().resources["Table"]["Properties"]
    client = boto3.client("dynamodb")

    # When the runtime has provisioned the stack
    table = client.describe_table(TableName=runtime.environment["ROSTER_TABLE_NAME"])["Table"]
    ttl = client.describe_time_to_live(TableName=table["TableName"])

    # Then keys, indexes, stream and TTL are the template's
    assert table["KeySchema"] == declared["KeySchema"]
    assert {(d["AttributeName"], d["AttributeType"]) for d in table["AttributeDefinitions"]} == {
        (d["AttributeName"], d["AttributeType"]) for d in declared["AttributeDefinitions"]
    }
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    for index in declared["GlobalSecondaryIndexes"]:
        assert indexes[index["IndexName"]]["KeySchema"] == index["KeySchema"]
        assert indexes[index["IndexName"]]["Projection"] == index["Projection"]
    assert table["BillingModeSummary"]["BillingMode"] == declared["BillingMode"]
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": declared["StreamSpecification"]["StreamViewType"],
    }
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": declared["TimeToLiveSpecification"]["AttributeName"],
    }


def test_environment_points_at_what_was_provisioned(runtime: Runtime) -> None:
    # Given a provisioned runtime
    env = runtime.environment

    # Then every reference resolved to a real local resource, and it is in os.environ
    assert env["ROSTER_EMAIL_SENDER"] == "roster@example.com"
    assert env["ROSTER_VERIFICATION_URL_BASE"] == "http://127.0.0.1:3000/app/verify-email"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert {key: os.environ[key] for key in env} == env
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=env["ROSTER_TOKEN_SECRET_ID"])
    assert env["ROSTER_TOKEN_SECRET_ID"].startswith("arn:aws:secretsmanager:")
    assert len(secret["SecretString"]) == 64 and secret["SecretString"].isalnum()
    key = boto3.client("kms").describe_key(KeyId=env["ROSTER_KMS_KEY_ID"])["KeyMetadata"]
    assert key["KeyId"] == env["ROSTER_KMS_KEY_ID"]
    assert boto3.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    queue = boto3.client("sqs").get_queue_attributes(
        QueueUrl=env["ROSTER_DEAD_LETTER_QUEUE_URL"], AttributeNames=["MessageRetentionPeriod"]
    )
    assert queue["Attributes"]["MessageRetentionPeriod"] == "1209600"
    cors = boto3.client("s3").get_bucket_cors(Bucket=env["ROSTER_PHOTO_BUCKET"])["CORSRules"]
    assert cors[0]["AllowedMethods"] == ["POST", "GET"] and cors[0]["MaxAgeSeconds"] == 3000


def test_functions_sharing_a_variable_must_agree_on_it(aws: None, tmp_path: Path) -> None:
    # Given two functions giving one variable different values
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  A:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: a/, Environment: {Variables: {SHARED: one}}}\n"
        "  B:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: b/, Environment: {Variables: {SHARED: two}}}\n"
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties: {StageName: v1}\n"
    )
    saved = dict(os.environ)
    try:
        # When it is provisioned, Then the conflict is refused
        with pytest.raises(ValueError, match="SHARED"):
            Runtime(template).provision()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_short_form_tags_load_as_long_forms(tmp_path: Path) -> None:
    # Given a template written with short-form intrinsics
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  R:\n    Properties:\n"
        "      a: !Ref P\n      b: !GetAtt T.Arn\n      c: !GetAtt [T, StreamArn]\n"
        "      d: !Sub '${T.Arn}/x'\n      e: !Sub ['${X}', {X: !Ref P}]\n"
        "      f: !If [C, !Join ['-', [a, b]], !Select [0, !Split [',', 'x,y']]]\n"
        "      g: !Not [!Equals [!Ref P, '']]\n      h: !Condition C\n"
        "      i: !FindInMap [M, K, V]\n      j: !Base64 x\n      k: !And [!Or [true, false]]\n"
        "      l: !ImportValue Other\n      m: !GetAZs ''\n      n: !Cidr [10.0.0.0/16, 2, 8]\n"
    )

    # When it is loaded
    properties = load_template(path)["Resources"]["R"]["Properties"]

    # Then every tag is its long form
    assert properties["a"] == {"Ref": "P"}
    assert properties["b"] == {"Fn::GetAtt": ["T", "Arn"]}
    assert properties["c"] == {"Fn::GetAtt": ["T", "StreamArn"]}
    assert properties["d"] == {"Fn::Sub": "${T.Arn}/x"}
    assert properties["e"] == {"Fn::Sub": ["${X}", {"X": {"Ref": "P"}}]}
    assert properties["f"] == {
        "Fn::If": [
            "C",
            {"Fn::Join": ["-", ["a", "b"]]},
            {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]},
        ]
    }
    assert properties["g"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]}
    assert properties["h"] == {"Condition": "C"}
    assert properties["i"] == {"Fn::FindInMap": ["M", "K", "V"]}
    assert properties["j"] == {"Fn::Base64": "x"}
    assert properties["k"] == {"Fn::And": [{"Fn::Or": [True, False]}]}
    assert properties["l"] == {"Fn::ImportValue": "Other"}
    assert properties["m"] == {"Fn::GetAZs": ""}
    assert properties["n"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}


# --------------------------------------------------------------------------- API Gateway


def test_unknown_route_or_method_gets_the_templates_404(runtime: Runtime) -> None:
    # Given the template's MISSING_AUTHENTICATION_TOKEN gateway response
    declared = Template.load().default_api.gateway_responses["MISSING_AUTHENTICATION_TOKEN"]

    for method, path in [("GET", "/no/such/route"), ("DELETE", "/me")]:
        # When a request matches no route (or not its method)
        response = runtime.invoke(method, path)

        # Then API Gateway answers it with exactly that response
        assert response.status == 404
        assert response.body == declared.body.encode()
        assert response.header("Content-Type") == "application/problem+json"
        assert response.json()["code"] == "not_found"


def test_non_public_route_without_token_is_refused_before_the_authorizer(
    runtime: Runtime,
) -> None:
    # When GET /me comes without an Authorization header
    response = runtime.invoke("GET", "/me")

    # Then it is the UNAUTHORIZED problem, and the authorizer never ran
    assert response.status == 401
    assert response.header("content-type") == "application/problem+json"
    assert response.json()["code"] == "unauthorized"
    declared = Template.load().default_api.gateway_responses["UNAUTHORIZED"]
    assert response.body == declared.body.encode()
    assert runtime.instances_loaded("authorizer") == 0


def test_literal_segments_beat_path_parameters(fixture_runtime: Runtime) -> None:
    allow = {"Authorization": "Bearer allow"}

    # When the literal path and a parameter value are requested
    special = fixture_runtime.invoke("GET", "/things/special", headers=allow).json()["event"]
    thing = fixture_runtime.invoke("GET", "/things/42", headers=allow).json()["event"]

    # Then each went to its own route
    assert special["resource"] == "/things/special"
    assert special["pathParameters"] is None
    assert thing["resource"] == "/things/{id}"
    assert thing["pathParameters"] == {"id": "42"}


def test_proxy_event_is_built_like_api_gateways(fixture_runtime: Runtime) -> None:
    # Given a public route
    before = int(time.time() * 1000)

    # When a client posts JSON with a repeated query parameter
    response = fixture_runtime.invoke(
        "POST",
        "/public/echo?tag=a&tag=b",
        headers={"User-Agent": "pytest", "X-Multi": ["1", "2"]},
        body={"hello": "world"},
        source_ip="192.0.2.7",
    )

    # Then the function saw a REST proxy event with every field API Gateway sets
    assert response.status == 200
    assert response.header("X-Echo") == "one, two"
    event, context = response.json()["event"], response.json()["context"]
    assert event["resource"] == "/public/echo"
    assert event["path"] == "/public/echo"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert json.loads(event["body"]) == {"hello": "world"}
    assert event["isBase64Encoded"] is False
    request = event["requestContext"]
    assert request["resourcePath"] == "/public/echo"
    assert request["httpMethod"] == "POST"
    assert request["path"] == "/v1/public/echo"
    assert request["stage"] == "v1"
    assert uuid.UUID(request["requestId"])
    assert request["requestId"] == response.header("x-amzn-RequestId")
    assert before <= request["requestTimeEpoch"] <= int(time.time() * 1000)
    assert request["accountId"] == "123456789012"
    assert request["apiId"] == fixture_runtime.api_id
    assert request["identity"]["sourceIp"] == "192.0.2.7"
    assert request["identity"]["userAgent"] == "pytest"
    assert "authorizer" not in request
    # And a Lambda context and the resolved environment
    assert context["memoryLimitInMB"] == 256
    assert context["invokedFunctionArn"].endswith(f":function:{context['functionName']}")
    assert 0 < context["remainingMillis"] <= 5000
    assert response.json()["greeting"] == "hello from us-east-1"


def test_authorizer_runs_first_and_its_context_reaches_the_function(
    fixture_runtime: Runtime,
) -> None:
    # When an allowed bearer calls a protected route
    response = fixture_runtime.invoke(
        "GET", "/things/7", headers={"Authorization": "Bearer allow"}, query={"q": "x"}
    )

    # Then the authorizer's context (as strings) and principal are in the event
    authorizer = response.json()["event"]["requestContext"]["authorizer"]
    seen = json.loads(authorizer.pop("seen"))
    assert isinstance(authorizer.pop("integrationLatency"), int)
    assert authorizer == {"who": "tester", "level": "3", "admin": "true", "principalId": "user-1"}
    # And the authorizer was given a REQUEST event for this method ARN
    assert seen == {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:{fixture_runtime.api_id}"
        "/v1/GET/things/7",
        "resource": "/things/{id}",
        "path": "/things/7",
        "httpMethod": "GET",
    }


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [("deny", 403, "forbidden"), ("garbage", 401, "unauthorized"), ("boom", 500, "internal_error")],
)
def test_authorizer_refusals_get_the_templates_responses(
    fixture_runtime: Runtime, token: str, status: int, code: str
) -> None:
    # When the authorizer denies, says Unauthorized, or crashes
    response = fixture_runtime.invoke(
        "GET", "/things/1", headers={"Authorization": f"Bearer {token}"}
    )

    # Then API Gateway answers with the matching gateway response
    assert response.status == status
    assert response.json()["code"] == code
    assert response.header("Content-Type") == "application/problem+json"


@pytest.mark.parametrize("path", ["/public/crash", "/public/malformed"])
def test_failing_function_gets_502_with_the_default_5xx_body(
    fixture_runtime: Runtime, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    # When the function raises, or returns no status code
    response = fixture_runtime.invoke("GET", path)

    # Then the answer is 502 with DEFAULT_5XX's body, its $context variables filled in
    assert response.status == 502
    assert response.json() == {
        "code": "internal_error",
        "request": response.header("x-amzn-RequestId"),
    }
    assert "the function" in caplog.text


def test_concurrent_requests_each_see_their_own_event(fixture_runtime: Runtime) -> None:
    # Given a Powertools resolver whose route takes a while
    results: dict[str, Any] = {}

    def call(n: str) -> None:
        results[n] = fixture_runtime.invoke("GET", f"/slow/{n}").json()

    # When two requests are served at the same time
    threads = [threading.Thread(target=call, args=(n,)) for n in ("1", "2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then each was answered from its own event, by its own instance
    assert results == {"1": {"n": "1", "path": "/slow/1"}, "2": {"n": "2", "path": "/slow/2"}}
    assert fixture_runtime.instances_loaded("slow") == 2


# --------------------------------------------------------------------------- schedules


def test_scheduled_function_runs_with_an_eventbridge_event(fixture_runtime: Runtime) -> None:
    # When the scheduled function is run now
    result = fixture_runtime.run_function("tick")

    # Then it got a Scheduled Event and its result comes back
    assert result == {"ticked": "Scheduled Event", "source": "aws.events"}


@pytest.mark.parametrize("name", ["nope", "echo"])
def test_only_scheduled_functions_can_be_run(fixture_runtime: Runtime, name: str) -> None:
    with pytest.raises(UnknownFunction):
        fixture_runtime.run_function(name)


def test_invoke_function_reports_a_crash(fixture_runtime: Runtime) -> None:
    with pytest.raises(FunctionFailed):
        fixture_runtime.invoke_function("echo", {"resource": "/public/crash"})


# --------------------------------------------------------------------------- streams


@pytest.mark.parametrize(
    ("pattern", "record", "expected"),
    [
        ({"eventName": ["INSERT"]}, {"eventName": "INSERT"}, True),
        ({"eventName": ["INSERT"]}, {"eventName": "MODIFY"}, False),
        ({"eventName": ["INSERT", "MODIFY"]}, {"eventName": "MODIFY"}, True),
        ({"eventName": ["INSERT"]}, {}, False),
        ({"a": {"b": {"S": ["x"]}}}, {"a": {"b": {"S": "x"}}}, True),
        ({"a": {"b": {"S": ["x"]}}}, {"a": {"b": {"N": "1"}}}, False),
        ({"a": {"b": {"S": ["x"]}}}, {"a": "flat"}, False),
        ({"n": [1]}, {"n": "1"}, False),
        ({"tags": ["b"]}, {"tags": ["a", "b"]}, True),
        ({"k": [{"prefix": "OUT"}]}, {"k": "OUTBOX#1"}, True),
        ({"k": [{"prefix": "OUT"}]}, {"k": "INBOX"}, False),
        ({"k": [{"exists": False}]}, {}, True),
        ({"k": [{"exists": True}]}, {}, False),
        ({"k": [{"anything-but": ["x"]}]}, {"k": "y"}, True),
        ({"k": [{"anything-but": "x"}]}, {"k": "x"}, False),
        ({"a": ["1"], "b": ["2"]}, {"a": "1", "b": "3"}, False),
    ],
)
def test_filter_patterns(pattern: dict[str, Any], record: dict[str, Any], expected: bool) -> None:
    assert matches_pattern(pattern, record) is expected


def test_stream_records_are_filtered_and_batched(fixture_runtime: Runtime) -> None:
    # Given three matching items and one the filter excludes
    for pk in ("a", "b", "c"):
        put(fixture_runtime, pk)
    put(fixture_runtime, "other", sk="NOT-A-MESSAGE")

    # When the stream is pumped
    delivered = fixture_runtime.pump_streams()

    # Then the matching records went in batches of BatchSize, and once only
    assert delivered == 3
    assert sms_bodies(fixture_runtime) == [["a", "b"], ["c"]]
    assert fixture_runtime.pump_streams() == 0


def test_stream_record_event_has_the_lambda_shape(fixture_runtime: Runtime) -> None:
    # Given an item with a binary attribute (the sink texts back a "shape" record)
    put(fixture_runtime, "shape", extra={"B": b"\x00\x01"})

    # When the stream is pumped
    fixture_runtime.pump_streams()

    # Then the function got the record in Lambda's DynamoDB event format
    [record] = sms_bodies(fixture_runtime)
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/")
    assert "/stream/" in record["eventSourceARN"]
    dynamodb = record["dynamodb"]
    assert dynamodb["Keys"] == {"pk": {"S": "shape"}, "sk": {"S": "MSG"}}
    assert dynamodb["NewImage"]["extra"] == {"B": "AAE="}
    assert "OldImage" not in dynamodb
    assert dynamodb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert dynamodb["SequenceNumber"].isdigit()
    assert isinstance(dynamodb["ApproximateCreationDateTime"], int)


def test_partial_failures_are_redelivered_then_dead_lettered(fixture_runtime: Runtime) -> None:
    # Given a record the function fails every time, beside one it handles
    put(fixture_runtime, "ok")
    put(fixture_runtime, "bad", fail={"BOOL": True})
    sqs = boto3.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=_queue_name(fixture_runtime))["QueueUrl"]

    # When the stream is pumped: first delivery, then MaximumRetryAttempts (2) retries
    deliveries = [fixture_runtime.pump_streams() for _ in range(4)]

    # Then only the failed record was redelivered, and then sent to the dead-letter queue
    assert deliveries == [2, 1, 1, 0]
    assert sms_bodies(fixture_runtime) == [["ok", "bad"], ["bad"], ["bad"]]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    [body] = [json.loads(message["Body"]) for message in messages]
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["DDBStreamBatchInfo"]["batchSize"] == 1
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in body["Records"]] == ["bad"]


def test_invoke_pumps_the_stream_before_answering(fixture_runtime: Runtime) -> None:
    # When a function writes a message item and answers
    response = fixture_runtime.invoke(
        "POST", "/public/write", body={"pk": {"S": "now"}, "sk": {"S": "MSG"}}
    )

    # Then the stream function already ran by the time the client has the answer
    assert response.status == 200
    assert sms_bodies(fixture_runtime) == [["now"]]


def test_the_notifier_keeps_receiving_after_a_cancelled_transaction(admin: Caller) -> None:
    # Given the owner, and a create that a uniqueness guard cancels (409 email_taken)
    runtime = admin.runtime
    taken = admin.call("POST", "/agents", {"account": "other", "email": "admin@example.com",
                                           "firstName": "O"})
    assert (taken.status, taken.json()["code"]) == (409, "email_taken")

    # When a change that sends mail follows (moto put back a copy of the table)
    created = admin.call("POST", "/agents", {"account": "jdoe", "email": "jane@example.com",
                                             "firstName": "Jane"})

    # Then its welcome mail is sent as the stream delivers it
    assert created.status == 201
    assert "jane@example.com" in [m["to"] for m in runtime.outbox()]


def _queue_name(runtime: Runtime) -> str:
    return runtime.stack.attributes["DeadLetters"]["QueueName"]


# --------------------------------------------------------------------------- outbox


def test_outbox_lists_emails_and_sms_oldest_first(runtime: Runtime) -> None:
    # Given an email through SES v2 and an SMS through SNS, seen by the runtime
    boto3.client("sesv2").send_email(
        FromEmailAddress="roster@example.com",
        Destination={"ToAddresses": ["jane@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}},
    )
    boto3.client("sns").publish(PhoneNumber="+4798765432", Message="Your code is 123456")
    first_look = runtime.outbox()
    # And then a raw email through SES v1
    boto3.client("ses").send_raw_email(
        Source="roster@example.com",
        Destinations=["joe@example.com"],
        RawMessage={
            "Data": b"From: roster@example.com\r\nTo: joe@example.com\r\n"
            b"Subject: Raw\r\nContent-Type: text/plain\r\n\r\nRaw body\r\n"
        },
    )

    # When the outbox is read
    messages = runtime.outbox()

    # Then each is there, in the contract's shape, oldest first
    assert len(first_look) == 2
    stamps = [message.pop("sentAt") for message in messages]
    assert all(ISO_SECOND.match(stamp) for stamp in stamps)
    assert stamps == sorted(stamps)
    assert messages == [
        {"channel": "email", "to": "jane@example.com", "subject": "Hi", "body": "Hello"},
        {"channel": "sms", "to": "+4798765432", "subject": None, "body": "Your code is 123456"},
        {"channel": "email", "to": "joe@example.com", "subject": "Raw", "body": "Raw body\r\n"},
    ]
    # And a message is stamped once: reading again changes nothing
    assert [m["sentAt"] for m in runtime.outbox()] == stamps
