"""The embedded AWS runtime: API Gateway, Lambda and DynamoDB Streams in one process.

``Runtime`` reads ``template.yaml``, provisions its resources into the current AWS
endpoint (moto: in process under ``mock_aws``, or a ``ThreadedMotoServer``), then plays
the managed services: it routes requests as API Gateway does, runs the Lambda
authorizer, builds REST proxy events like the real ones, invokes the functions, feeds
the stream functions from the table's stream and keeps the outbox of every email and
SMS sent. The local server and the integration tests both drive it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from roster_local.functions import (
    FunctionFailed,
    FunctionPool,
    LocalLambdaContext,
    UnknownFunction,
)
from roster_local.gateway import (
    LocalResponse,
    as_string,
    match_route,
    policy_allows,
    proxy_response,
    valid_authorizer_output,
)
from roster_local.outbox import Outbox, utc_stamp
from roster_local.provision import Stack, aws_client, provision
from roster_local.queues import QueuePump, QueueSubscription
from roster_local.streams import StreamPump, Subscription
from roster_local.template import (
    ApiRoute,
    ApiSpec,
    AuthorizerSpec,
    FunctionSpec,
    Resolver,
    Template,
)

log = logging.getLogger("local_aws")  # Powertools mutes loggers named after its service

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_PORT = 3000
MAX_DELIVERY_ROUNDS = 50
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway (REST) refuses larger bodies: 413
VERIFY_PAGE = "/app/verify-email"  # the web app's page, served by the local server too


def local_parameters(port: int = DEFAULT_PORT, allowed_origins: str = "") -> dict[str, str]:
    """The template's parameters for a local stack serving on ``port``: the verification
    link points at the app's page there; ``allowed_origins`` (the ``AllowedOrigins``
    parameter, ``ROSTER_ALLOWED_ORIGINS`` for ``make run``) are the extra CORS origins."""
    return {
        "OwnerAccount": "admin",
        "OwnerEmail": "admin@example.com",
        "SenderEmail": "roster@example.com",
        "VerificationUrlBase": f"http://127.0.0.1:{port}{VERIFY_PAGE}",
        "AllowedOrigins": allowed_origins,
    }


LOCAL_PARAMETERS = local_parameters()
# What the local server changes in the functions' settings: it serves plain HTTP on the
# loopback address, where a ``Secure`` cookie would never be sent back.
LOCAL_ENVIRONMENT = {"ROSTER_REFRESH_COOKIE_SECURE": "false"}
UNAUTHORIZED_MESSAGE = "Unauthorized"  # an authorizer raising this gets a 401, not a 500

Body = str | bytes | Mapping[str, Any] | list[Any] | None
MultiMap = Mapping[str, str | Sequence[str]]


class Runtime:
    """API Gateway + Lambda + DynamoDB Streams for one template, in this process."""

    def __init__(
        self,
        template_path: Path | str | None = None,
        parameters: Mapping[str, str] | None = None,
        *,
        stack_name: str = "roster-local",
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
    ) -> None:
        self.template = Template.load(template_path)
        local = {
            key: value for key, value in LOCAL_PARAMETERS.items() if key in self.template.parameters
        }
        self.parameters = self.template.parameter_values({**local, **(parameters or {})})
        self.stack_name = stack_name
        self.account_id = account_id
        self.region = region
        self.environment: dict[str, str] = {}
        self._stack: Stack | None = None
        self._pools = {spec.name: FunctionPool(spec) for spec in self.template.functions}
        self._streams = StreamPump()
        self._queues = QueuePump()
        self._queue_lock = threading.Lock()
        self._outbox = Outbox(account_id, region)
        self._background: BackgroundDelivery | None = None

    # ------------------------------------------------------------------ provisioning

    @property
    def stack(self) -> Stack:
        if self._stack is None:
            raise RuntimeError("call Runtime.provision() first")
        return self._stack

    @property
    def api_id(self) -> str:
        """The default API's id (the main API's)."""
        return self.api_id_of(self.template.default_api.logical_id)

    def api_id_of(self, logical_id: str) -> str:
        return self.stack.physical_ids[logical_id]

    def provision(self) -> Runtime:
        """Create the resources, verify the sender, set the functions' environment and
        subscribe the stream functions before anything writes (as the stack does)."""
        self._stack, resolver = provision(
            self.template,
            self.parameters,
            stack_name=self.stack_name,
            account_id=self.account_id,
            region=self.region,
        )
        sender = self.parameters.get("SenderEmail")
        if sender:
            ses = aws_client("sesv2", self.region)
            with suppress(ses.exceptions.AlreadyExistsException):
                ses.create_email_identity(EmailIdentity=sender)
        self.environment = self._function_environment(resolver)
        if "ROSTER_TABLE_NAME" in self.environment:  # Roster's template (not a test's)
            self.environment.update(LOCAL_ENVIRONMENT)
        os.environ.update(self.environment)
        _forget_settings()
        if "ROSTER_TABLE_NAME" in self.environment:  # Roster's template (not a test's)
            from roster.repository import get_repository

            get_repository().write_decoy_profile()  # as the stack's bootstrap does
        self._streams.subscriptions = [
            Subscription.start(
                spec,
                self.function_arn(spec),
                event,
                stream_arn=str(resolver.resolve(event.stream)),
                dead_letter_arn=None
                if event.on_failure is None
                else str(resolver.resolve(event.on_failure)),
                region=self.region,
            )
            for spec in self.template.functions
            for event in spec.stream_events
        ]
        self._queues.subscriptions = [
            QueueSubscription(spec, event, queue_arn=str(resolver.resolve(event.queue)),
                              queue_url=str(resolver.resolve({"Ref": _logical_id(event.queue)})),
                              region=self.region)
            for spec in self.template.functions
            for event in spec.queue_events
        ]
        return self

    def _function_environment(self, resolver: Resolver) -> dict[str, str]:
        """The union of every function's variables: locally they share one process."""
        merged: dict[str, str] = {}
        owners: dict[str, str] = {}
        for spec in self.template.functions:
            for key, value in resolver.resolve(spec.environment).items():
                text = as_string(value)
                if key in merged and merged[key] != text:
                    raise ValueError(
                        f"{key} is {merged[key]!r} for {owners[key]} but {text!r} for "
                        f"{spec.name}; the functions share one process locally"
                    )
                merged[key], owners[key] = text, spec.name
        return merged

    # ------------------------------------------------------------------ Lambda

    def function(self, name: str) -> FunctionSpec:
        """A function by CodeUri directory name (or logical id)."""
        spec = self.template.function(name)
        if spec is None:
            raise UnknownFunction(name)
        return spec

    def function_arn(self, spec: FunctionSpec) -> str:
        return self.stack.attributes[spec.logical_id]["Arn"]

    def instances_loaded(self, name: str) -> int:
        """How many copies of a function are loaded: how far it scaled out."""
        return self._pools[self.function(name).name].loaded

    def invoke_function(self, name: str, event: Any) -> Any:
        """Invoke one function with ``event``; raise ``FunctionFailed`` if it raises."""
        try:
            return self._call(self.function(name), event)
        finally:
            self._streams_written()

    def _call(self, spec: FunctionSpec, event: Any) -> Any:
        context = LocalLambdaContext(
            function_name=self.stack.physical_ids[spec.logical_id],
            invoked_function_arn=self.function_arn(spec),
            memory_limit_in_mb=spec.memory_size,
            aws_request_id=str(uuid.uuid4()),
            timeout_seconds=spec.timeout,
        )
        try:
            with self._pools[spec.name].instance() as instance:
                return instance.handler(event, context)
        except Exception as error:
            raise FunctionFailed(f"{spec.name} ({context.aws_request_id}): {error}") from error
        finally:
            self._outbox.observe()

    def run_function(self, name: str) -> Any:
        """Run a scheduled function now, with its EventBridge event, or a function with
        no trigger (invoked by hand) with an empty event; return its result."""
        spec = self.template.function(name)
        if spec is not None and spec.manual:
            return self.invoke_function(spec.name, {})
        if spec is None or not spec.schedule_events:
            raise UnknownFunction(name)
        schedule = spec.schedule_events[0]
        if schedule.input is not None:
            return self.invoke_function(spec.name, json.loads(schedule.input))
        return self.invoke_function(
            spec.name,
            {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": self.account_id,
                "time": utc_stamp(),
                "region": self.region,
                "resources": [
                    f"arn:aws:events:{self.region}:{self.account_id}:rule/"
                    f"{self.stack_name}-{spec.logical_id}{schedule.name}"
                ],
                "detail": {},
            },
        )

    def create_owner(self, password: str | None) -> str:
        """Create the owner admin as the stack's bootstrap does; return its password."""
        from roster import wiring
        from roster.services.bootstrap import create_owner

        wiring.install()  # as the bootstrap function does at its cold start
        chosen = create_owner(
            self.parameters["OwnerAccount"],
            self.parameters["OwnerEmail"],
            password,
            temporary=False,
        )
        self.pump_streams()
        return chosen

    # ------------------------------------------------------------------ streams, outbox

    def pump_streams(self) -> int:
        """Deliver new stream records, and those due a retry, to the stream functions;
        return how many were delivered. Thread-safe."""
        if self._stack is None:
            return 0
        return self._streams.pump(self._call)

    def pump_queues(self) -> int:
        """Deliver the SQS messages waiting now (and those due a retry) to the queue
        functions; return how many were delivered. Thread-safe."""
        if self._stack is None:
            return 0
        with self._queue_lock:
            return self._queues.pump(self._call)

    def deliver_events(self) -> int:
        """The stream once, then the queues until they are empty (a batch that failed
        comes back at once), each round followed by the stream (the queue function's
        writes feed it), within ``MAX_DELIVERY_ROUNDS``. Stream records that failed wait
        for the next call, as before the queues existed."""
        delivered = self.pump_streams()
        for _ in range(MAX_DELIVERY_ROUNDS):
            taken = self.pump_queues()
            if not taken:
                break
            delivered += taken + self.pump_streams()
        return delivered

    def outbox(self) -> list[dict[str, Any]]:
        """Every email (SES) and SMS (SNS) sent, oldest first. With background delivery,
        the records written so far are delivered first: a reader sees what was sent."""
        if self._background is not None:
            self.pump_streams()
        return self._outbox.messages()

    def deliver_streams_in_background(self, interval_seconds: float) -> None:
        """Deliver stream records as Lambda's event source mapping does: from a poller
        thread, after the answer, not inside the request. ``stream_records_due`` wakes
        it; it also polls every ``interval_seconds``. Without it (the integration
        tests), each invocation delivers its records before it returns."""
        if self._background is None:
            self._background = BackgroundDelivery(self.deliver_events, interval_seconds)

    def stop_background_delivery(self) -> None:
        if self._background is not None:
            self._background.stop()
            self._background = None

    def stream_records_due(self) -> None:
        """Tell the poller that records were written (the server calls it once the
        answer is sent)."""
        if self._background is not None:
            self._background.wake()

    def _streams_written(self) -> None:
        if self._background is None:
            self.deliver_events()

    # ------------------------------------------------------------------ API Gateway

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """The extra CORS origins of the ``AllowedOrigins`` parameter (none without it)."""
        listed = self.parameters.get("AllowedOrigins") or ""
        return tuple(origin for origin in listed.split(",") if origin)

    def invoke(
        self,
        method: str,
        path: str,
        *,
        headers: MultiMap | None = None,
        query: MultiMap | None = None,
        body: Body = None,
        source_ip: str = "127.0.0.1",
    ) -> LocalResponse:
        """Answer one HTTP request as API Gateway (REST API, Lambda proxy) would, behind
        the distribution: API Gateway's own answers get the CORS headers of an allowed
        origin as the distribution's response headers policy adds them (``OriginOverride``
        off: a function's own CORS headers stand).

        ``path`` may carry the query string when ``query`` is not given; a dict or
        list ``body`` is sent as JSON.
        """
        response = self._invoke(method, path, headers=headers, query=query, body=body,
                                source_ip=source_ip)
        origins = _find(_multi(headers), "origin") or []
        origin = origins[-1] if origins else None
        if origin is not None and origin in self.allowed_origins and response.header(
                "Access-Control-Allow-Origin") is None:
            from roster.cors import response_headers

            response.headers.update(response_headers(origin))
        return response

    def _invoke(
        self,
        method: str,
        path: str,
        *,
        headers: MultiMap | None,
        query: MultiMap | None,
        body: Body,
        source_ip: str,
    ) -> LocalResponse:
        method = method.upper()
        path, _, query_string = path.partition("?")
        request_id = str(uuid.uuid4())
        api = self.template.api_for_path(path)
        multi_headers = _multi(headers)
        if isinstance(body, Mapping | list):
            body = json.dumps(body)
            if _find(multi_headers, "content-type") is None:
                multi_headers["Content-Type"] = ["application/json"]
        raw = body.encode("utf-8") if isinstance(body, str) else body
        if raw is not None and len(raw) > MAX_PAYLOAD_BYTES:
            return self.gateway_response("REQUEST_TOO_LARGE", request_id, api=api)
        declared = (_find(multi_headers, "content-type") or [""])[-1]
        binary = (raw is not None and declared.partition(";")[0].strip().lower()
                  in api.binary_media_types)
        if binary and raw is not None:
            body = base64.b64encode(raw).decode("ascii")
        elif isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        multi_query = (
            _multi(query)
            if query is not None
            else _multi(_group(parse_qsl(query_string, keep_blank_values=True)))
        )
        matched = match_route(self.routes_of(api), method, path)
        if matched is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", request_id, api=api)
        route, path_parameters = matched
        path = "/".join(unquote(part) for part in path.split("/"))
        event: dict[str, Any] = {
            "resource": route.path,
            "path": path,
            "httpMethod": method,
            "headers": {key: values[-1] for key, values in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {key: values[-1] for key, values in multi_query.items()}
            or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": self._request_context(
                api, route, method, path, request_id, source_ip, multi_headers
            ),
            "body": body,
            "isBase64Encoded": binary,
        }
        try:
            if route.authorizer is not None:
                outcome = self._authorize(api, api.authorizers[route.authorizer], event)
                if isinstance(outcome, tuple):
                    refusal, shown = outcome
                    return self.gateway_response(refusal, request_id, authorizer=shown,
                                                 api=api)
                event["requestContext"]["authorizer"] = outcome
            try:
                result = self._call(self.function(route.function), event)
            except FunctionFailed:
                log.exception("%s %s: the function failed", method, route.path)
                return self.gateway_response("DEFAULT_5XX", request_id, status=502, api=api)
        finally:
            self._streams_written()
        response = proxy_response(result, request_id)
        if response is None:
            log.error("%s %s: the function returned a malformed proxy response", method, route.path)
            return self.gateway_response("DEFAULT_5XX", request_id, status=502, api=api)
        return response

    def routes_of(self, api: ApiSpec) -> tuple[ApiRoute, ...]:
        return tuple(route for route in self.template.routes if route.api == api.logical_id)

    def method_arn(self, method: str, path: str, api: ApiSpec | None = None) -> str:
        api = api or self.template.api_for_path(path)
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:"
            f"{self.api_id_of(api.logical_id)}/{api.stage}/{method}/{path.lstrip('/')}"
        )

    def _request_context(
        self,
        api: ApiSpec,
        route: ApiRoute,
        method: str,
        path: str,
        request_id: str,
        source_ip: str,
        headers: Mapping[str, list[str]],
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        api_id = self.api_id_of(api.logical_id)
        user_agent = _find(headers, "user-agent")
        host = _find(headers, "host")
        return {
            "resourceId": hashlib.sha256(route.path.encode()).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": method,
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes)[:16].decode(),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{api.stage}{path}",
            "accountId": self.account_id,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent[-1] if user_agent else None,
                "user": None,
            },
            "domainName": host[-1]
            if host
            else f"{api_id}.execute-api.{self.region}.amazonaws.com",
            "apiId": api_id,
        }

    def _authorize(
        self, api: ApiSpec, authorizer: AuthorizerSpec, event: Mapping[str, Any]
    ) -> dict[str, Any] | tuple[str, dict[str, str]]:
        """The authorizer's context for the integration, or the gateway response type
        that refuses the request with the ``$context.authorizer`` values it may show (a
        Deny policy's context, as API Gateway gives it to ``ACCESS_DENIED``)."""
        headers = event["multiValueHeaders"] or {}
        query = event["multiValueQueryStringParameters"] or {}
        sources = [_find(headers, name) for name in authorizer.identity_headers] + [
            query.get(name) for name in authorizer.identity_query_strings
        ]
        identity = [values[-1] for values in sources if values and values[-1]]
        if not identity or len(identity) != len(sources):
            return "UNAUTHORIZED", {}  # API Gateway refuses it without calling the authorizer
        method_arn = self.method_arn(event["httpMethod"], event["path"], api)
        if authorizer.payload_type == "TOKEN":
            request: dict[str, Any] = {
                "type": "TOKEN",
                "authorizationToken": identity[0],
                "methodArn": method_arn,
            }
        else:
            request = {"type": "REQUEST", "methodArn": method_arn} | {
                key: event[key]
                for key in (
                    "resource",
                    "path",
                    "httpMethod",
                    "headers",
                    "multiValueHeaders",
                    "queryStringParameters",
                    "multiValueQueryStringParameters",
                    "pathParameters",
                    "stageVariables",
                    "requestContext",
                )
            }
        function = self.template.function(authorizer.function_logical_id)
        if function is None:
            raise UnknownFunction(authorizer.function_logical_id)
        started = time.monotonic()
        try:
            output = self._call(function, request)
        except FunctionFailed as failure:
            if str(failure.__cause__) == UNAUTHORIZED_MESSAGE:
                return "UNAUTHORIZED", {}
            log.exception("the authorizer failed")
            return "AUTHORIZER_FAILURE", {}
        if not valid_authorizer_output(output):
            log.error(
                "the authorizer returned no principalId or policyDocument, or a context "
                "value that is not a string, number or boolean"
            )
            return "AUTHORIZER_CONFIGURATION_ERROR", {}
        context: dict[str, Any] = {
            key: as_string(value) for key, value in (output.get("context") or {}).items()
        }
        if not policy_allows(output["policyDocument"], method_arn):
            return "ACCESS_DENIED", {**context, "principalId": str(output["principalId"])}
        context["principalId"] = str(output["principalId"])
        context["integrationLatency"] = int((time.monotonic() - started) * 1000)
        return context

    def gateway_response(
        self, response_type: str, request_id: str | None = None, *, status: int | None = None,
        authorizer: Mapping[str, str] | None = None, api: ApiSpec | None = None,
    ) -> LocalResponse:
        """API Gateway's own answer of that type (``UNAUTHORIZED``, ``DEFAULT_5XX``...), as
        the API's GatewayResponses define it (``authorizer``: the values of
        ``$context.authorizer.*``; ``api``: the default one unless named)."""
        request_id = request_id or str(uuid.uuid4())
        response = (api or self.template.default_api).gateway_response(response_type)
        message = response_type.replace("_", " ").capitalize()
        code, body = response.render(
            status,
            {
                "requestId": request_id,
                "error.responseType": response_type,
                "error.message": message,
                "error.messageString": json.dumps(message),
                **{f"authorizer.{key}": value for key, value in (authorizer or {}).items()},
            },
        )
        headers = {**response.headers, "x-amzn-RequestId": request_id}
        return LocalResponse(code, headers, body.encode("utf-8"))


class BackgroundDelivery:
    """The stream poller thread: pumps when woken, and every ``interval_seconds``."""

    def __init__(self, pump: Callable[[], int], interval_seconds: float) -> None:
        self._pump = pump
        self._interval = interval_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="stream-poller", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._pump()
            except Exception:
                log.exception("pumping the table's stream failed")


def _group(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _multi(values: MultiMap | None) -> dict[str, list[str]]:
    return {
        key: [value] if isinstance(value, str) else list(value)
        for key, value in (values or {}).items()
    }


def _find(values: Mapping[str, list[str]], name: str) -> list[str] | None:
    wanted = name.lower()
    return next((found for key, found in values.items() if key.lower() == wanted), None)


def _forget_settings() -> None:
    """Settings are read once per cold start, and the environment just changed."""
    try:
        from roster.config import get_settings
    except ImportError:  # a template whose functions do not use the roster package
        return
    get_settings.cache_clear()


def _logical_id(reference: Any) -> str:
    """The resource an ``!GetAtt Resource.Attribute`` names."""
    target = reference.get("Fn::GetAtt") if isinstance(reference, dict) else None
    if isinstance(target, list) and target:
        return str(target[0])
    if isinstance(target, str):
        return target.split(".", 1)[0]
    raise ValueError(f"expected !GetAtt <Queue>.Arn, got {reference!r}")
