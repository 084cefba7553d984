"""The embedded AWS runtime: API Gateway, Lambda and DynamoDB Streams, in one process.

``Runtime`` reads ``template.yaml``, provisions its resources into the current AWS
endpoint (moto, in process under ``mock_aws`` or behind a ``ThreadedMotoServer``) and
then plays the managed services: it routes requests as API Gateway does, runs the
Lambda authorizer, builds REST proxy events like the real ones, invokes the functions,
feeds the stream functions from the table's stream and keeps the outbox of every email
and SMS sent. The local server and the integration tests both drive it.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any, cast
from urllib.parse import parse_qsl, unquote

from roster.local.provision import Stack, aws_client, provision
from roster.local.template import (
    ApiRoute,
    AuthorizerSpec,
    FunctionSpec,
    Resolver,
    StreamEvent,
    Template,
)

log = logging.getLogger("roster_local")

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_PORT = 3000
LOCAL_PARAMETERS = {
    "OwnerAccount": "admin",
    "OwnerEmail": "admin@example.com",
    "SenderEmail": "roster@example.com",
    "VerificationUrlBase": f"http://127.0.0.1:{DEFAULT_PORT}/verify-email",
}
UNAUTHORIZED_MESSAGE = "Unauthorized"  # the authorizer's "401, not 500" exception message
MAX_PUMP_ROUNDS = 10  # stream functions that write to the table feed the next round


def utc_stamp(moment: datetime | None = None) -> str:
    """``2026-11-23T17:09:36Z``: the contract's time format."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


class UnknownFunction(LookupError):
    """No (scheduled) function of that name in the template."""


class FunctionFailed(RuntimeError):
    """A function raised; the original exception is the ``__cause__``."""


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class LocalResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


@dataclass
class LocalLambdaContext:
    """What the Lambda Python runtime passes as ``context``."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    timeout_seconds: int
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


# --------------------------------------------------------------------------- functions


_module_serial = itertools.count(1)
_import_path_lock = threading.Lock()
_per_thread = threading.local()


class _PerThreadAttribute:
    """A class attribute whose value is the calling thread's own."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        try:
            return getattr(_per_thread, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: Any) -> None:
        setattr(_per_thread, self.name, value)


def isolate_powertools_requests() -> None:
    """Make Powertools' "current request" per thread.

    Powertools resolvers keep the event on a *class* attribute,
    ``BaseRouter.current_event`` (and ``lambda_context``), shared by every resolver in
    the process: separate function instances are not enough once two threads serve
    requests. In Lambda a process serves one event at a time; here both attributes
    become per-thread, through a data descriptor on ``BaseRouter``'s metaclass (class
    assignments) and on ``BaseRouter`` itself (reads through instances).
    """
    module = sys.modules.get("aws_lambda_powertools.event_handler.api_gateway")
    if module is None:
        return
    base_router: Any = module.BaseRouter
    if getattr(type(base_router), "_roster_per_thread", False):
        return
    names = ("current_event", "lambda_context")
    for name in names:
        type.__setattr__(base_router, name, _PerThreadAttribute(name))
    namespace: dict[str, Any] = {name: _PerThreadAttribute(name) for name in names}
    namespace["_roster_per_thread"] = True
    base_router.__class__ = type("PerThreadRouterMeta", (type(base_router),), namespace)


@dataclass(frozen=True)
class _Instance:
    module: ModuleType
    handler: Any


class _FunctionPool:
    """Loaded copies of one function: each serves one event at a time, like a Lambda
    execution environment; a request with none free loads another (scaling out)."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self._free: list[_Instance] = []
        self._lock = threading.Lock()
        self.loaded = 0

    @contextmanager
    def instance(self) -> Iterator[_Instance]:
        with self._lock:
            instance = self._free.pop() if self._free else None
        if instance is None:
            instance = self._load()
        try:
            yield instance
        finally:
            with self._lock:
                self._free.append(instance)

    def _load(self) -> _Instance:
        path = self.spec.module_file
        name = f"roster_fn_{self.spec.name}_{next(_module_serial)}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise FunctionFailed(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module  # pydantic and dataclasses look their module up here
        try:
            if self._has_sibling_modules():
                with _import_path_lock:
                    sys.path.insert(0, str(self.spec.code_dir))
                    try:
                        module_spec.loader.exec_module(module)
                    finally:
                        sys.path.remove(str(self.spec.code_dir))
            else:
                module_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        isolate_powertools_requests()
        with self._lock:
            self.loaded += 1
        return _Instance(module, getattr(module, self.spec.handler_name))

    def _has_sibling_modules(self) -> bool:
        own = self.spec.module_file.resolve()
        return any(
            entry.resolve() != own
            and ((entry.suffix == ".py") or (entry / "__init__.py").is_file())
            for entry in self.spec.code_dir.iterdir()
        )


# --------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class _CompiledRoute:
    route: ApiRoute
    segments: tuple[str, ...]

    @classmethod
    def of(cls, route: ApiRoute) -> _CompiledRoute:
        return cls(route, tuple(route.path.split("/")[1:]))

    def match(self, method: str, segments: Sequence[str]) -> dict[str, str] | None:
        if self.route.method not in (method, "ANY"):
            return None
        parameters: dict[str, str] = {}
        for index, pattern in enumerate(self.segments):
            if pattern.startswith("{") and pattern.endswith("+}"):
                rest = segments[index:]
                if not rest or not rest[0]:
                    return None
                parameters[pattern[1:-2]] = "/".join(rest)
                return parameters
            if index >= len(segments):
                return None
            if pattern.startswith("{") and pattern.endswith("}"):
                if not segments[index]:
                    return None
                parameters[pattern[1:-1]] = segments[index]
            elif pattern != segments[index]:
                return None
        return parameters if len(segments) == len(self.segments) else None

    @property
    def specificity(self) -> tuple[tuple[int, ...], int]:
        """Sorts literal segments before parameters before greedy ones, then exact
        methods before ANY (lower is more specific)."""
        kinds = tuple(
            2 if part.endswith("+}") else 1 if part.startswith("{") else 0
            for part in self.segments
        )
        return kinds, 1 if self.route.method == "ANY" else 0


def match_route(
    routes: Sequence[ApiRoute], method: str, path: str
) -> tuple[ApiRoute, dict[str, str]] | None:
    """The route API Gateway would pick for ``method path``, with its path parameters."""
    segments = [unquote(part) for part in path.split("/")[1:]]
    found = [
        (compiled, parameters)
        for compiled in map(_CompiledRoute.of, routes)
        if (parameters := compiled.match(method.upper(), segments)) is not None
    ]
    if not found:
        return None
    compiled, parameters = min(found, key=lambda item: item[0].specificity)
    return compiled.route, parameters


# --------------------------------------------------------------------------- authorizer


def _iam_glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


def policy_allows(policy_document: Mapping[str, Any], method_arn: str) -> bool:
    """IAM evaluation of an authorizer's policy for one method ARN: an explicit Deny
    wins, otherwise some Allow must match."""
    statements = policy_document.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if not any(_iam_glob(a, "execute-api:Invoke", ignore_case=True) for a in actions):
            continue
        if not any(_iam_glob(resource, method_arn) for resource in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _context_string(value: Any) -> str:
    """REST APIs hand the authorizer's context values to the integration as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


# --------------------------------------------------------------------------- streams


def matches_pattern(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """EventBridge-style pattern matching, the subset Lambda filter criteria use.

    Objects match field by field; a list of leaves matches when the event's value (or
    any of its values, for a list) equals one of them. Leaves may also be
    ``{"prefix": s}``, ``{"exists": bool}`` and ``{"anything-but": value | [values]}``.
    """
    for key, expected in pattern.items():
        present = isinstance(event, Mapping) and key in event
        actual = event.get(key) if present else None
        if isinstance(expected, Mapping):
            if not (present and isinstance(actual, Mapping) and matches_pattern(expected, actual)):
                return False
        elif isinstance(expected, list):
            if not any(_leaf_matches(leaf, present, actual) for leaf in expected):
                return False
        else:
            raise ValueError(f"filter pattern field {key!r} must be an object or a list")
    return True


def _leaf_matches(leaf: Any, present: bool, actual: Any) -> bool:
    if isinstance(leaf, Mapping):
        (operator, operand), = leaf.items()
        if operator == "exists":
            return present is bool(operand) and not isinstance(actual, Mapping)
        if not present:
            return False
        values = actual if isinstance(actual, list) else [actual]
        if operator == "prefix":
            return any(isinstance(value, str) and value.startswith(operand) for value in values)
        if operator == "anything-but":
            excluded = operand if isinstance(operand, list) else [operand]
            return all(value not in excluded for value in values)
        raise ValueError(f"filter operator {operator!r} is not supported locally")
    if not present:
        return False
    values = actual if isinstance(actual, list) else [actual]
    return any(value == leaf and type(value) is type(leaf) for value in values)


def _wire_attribute_values(value: Any) -> Any:
    """AttributeValues as the Lambda event carries them: binary as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _wire_attribute_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire_attribute_values(item) for item in value]
    return value


@dataclass
class _Pending:
    record: dict[str, Any]
    shard_id: str
    failures: int = 0

    @property
    def sequence_number(self) -> str:
        return str(self.record["dynamodb"]["SequenceNumber"])


@dataclass
class _Subscription:
    """One DynamoDB event source mapping: where it is in each shard, what to retry."""

    function: FunctionSpec
    event: StreamEvent
    stream_arn: str
    iterators: dict[str, str]
    retry: list[_Pending] = field(default_factory=list)


# --------------------------------------------------------------------------- runtime


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
        local = {key: value for key, value in LOCAL_PARAMETERS.items()
                 if key in self.template.parameters}
        self.parameters = self.template.parameter_values({**local, **(parameters or {})})
        self.stack_name = stack_name
        self.account_id = account_id
        self.region = region
        self.environment: dict[str, str] = {}
        self._stack: Stack | None = None
        self._resolver: Resolver | None = None
        self._pools = {spec.name: _FunctionPool(spec) for spec in self.template.functions}
        self._subscriptions: list[_Subscription] = []
        self._pump_lock = threading.Lock()
        self._outbox_lock = threading.Lock()
        self._outbox: list[dict[str, Any]] = []
        self._seen_messages: set[str] = set()

    # ------------------------------------------------------------------ provisioning

    @property
    def stack(self) -> Stack:
        if self._stack is None:
            raise RuntimeError("call Runtime.provision() first")
        return self._stack

    @property
    def api_id(self) -> str:
        return self.stack.physical_ids[self.template.api[0]]

    def provision(self) -> Runtime:
        """Create the resources, verify the sender, set the functions' environment and
        subscribe the stream functions (before anything writes, like the stack does)."""
        self._stack, self._resolver = provision(
            self.template, self.parameters, stack_name=self.stack_name,
            account_id=self.account_id, region=self.region,
        )
        sender = self.parameters.get("SenderEmail")
        if sender:
            client = aws_client("sesv2", self.region)
            try:
                client.create_email_identity(EmailIdentity=sender)
            except client.exceptions.AlreadyExistsException:
                pass
        self.environment = self._function_environment(self._resolver)
        os.environ.update(self.environment)
        _forget_settings()
        self._subscriptions = [
            self._subscribe(spec, event, self._resolver)
            for spec in self.template.functions
            for event in spec.stream_events
        ]
        return self

    def _function_environment(self, resolver: Resolver) -> dict[str, str]:
        """The union of every function's variables (they share this process)."""
        merged: dict[str, str] = {}
        owners: dict[str, str] = {}
        for spec in self.template.functions:
            for key, value in resolver.resolve(spec.environment).items():
                text = _context_string(value)
                if key in merged and merged[key] != text:
                    raise ValueError(
                        f"{key} is {merged[key]!r} for {owners[key]} but {text!r} for "
                        f"{spec.name}; functions share one process locally"
                    )
                merged[key], owners[key] = text, spec.name
        merged["ROSTER_LOCAL_MODE"] = "true"
        return merged

    def _subscribe(self, spec: FunctionSpec, event: StreamEvent, resolver: Resolver) -> _Subscription:
        stream_arn = str(resolver.resolve(event.stream))
        client = aws_client("dynamodbstreams", self.region)
        shards = client.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        position = "TRIM_HORIZON" if event.starting_position == "TRIM_HORIZON" else "LATEST"
        iterators = {
            shard["ShardId"]: client.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType=position
            )["ShardIterator"]
            for shard in shards
        }
        return _Subscription(spec, event, stream_arn, iterators)

    # ------------------------------------------------------------------ functions

    def function(self, name: str) -> FunctionSpec:
        spec = self.template.function(name)
        if spec is None:
            raise UnknownFunction(name)
        return spec

    def function_arn(self, spec: FunctionSpec) -> str:
        return self.stack.attributes[spec.logical_id]["Arn"]

    def invoke_function(self, name: str, event: Any) -> Any:
        """Invoke one function with ``event`` as Lambda would; raise ``FunctionFailed``."""
        return self._call(self.function(name), event)

    def _call(self, spec: FunctionSpec, event: Any) -> Any:
        request_id = str(uuid.uuid4())
        context = LocalLambdaContext(
            function_name=self.stack.physical_ids[spec.logical_id],
            invoked_function_arn=self.function_arn(spec),
            memory_limit_in_mb=spec.memory_size,
            aws_request_id=request_id,
            timeout_seconds=spec.timeout,
        )
        try:
            with self._pools[spec.name].instance() as instance:
                return instance.handler(event, context)
        except Exception as error:
            raise FunctionFailed(f"{spec.name} failed ({request_id}): {error}") from error
        finally:
            self._observe_outbox()

    def instances_loaded(self, name: str) -> int:
        """How many copies of the function are loaded (how far it scaled out)."""
        return self._pools[self.function(name).name].loaded

    def run_function(self, name: str) -> Any:
        """Run a scheduled function now with its EventBridge event; return its result."""
        spec = self.template.function(name)
        if spec is None or not spec.schedule_events:
            raise UnknownFunction(name)
        schedule = spec.schedule_events[0]
        if schedule.input is not None:
            event: Any = json.loads(schedule.input)
        else:
            event = {
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
            }
        try:
            return self._call(spec, event)
        finally:
            self.pump_streams()

    def create_owner(self, password: str | None) -> str:
        """Create the owner admin as the stack's bootstrap does; return its password."""
        from roster.services.bootstrap import create_owner

        chosen = create_owner(
            self.parameters["OwnerAccount"], self.parameters["OwnerEmail"], password,
            temporary=False,
        )
        self.pump_streams()
        return chosen

    # ------------------------------------------------------------------ API Gateway

    def invoke(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str | Sequence[str]] | None = None,
        query: Mapping[str, str | Sequence[str]] | None = None,
        body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
        source_ip: str = "127.0.0.1",
    ) -> LocalResponse:
        """Answer one HTTP request as API Gateway (REST, Lambda proxy) would."""
        method = method.upper()
        path, _, query_string = path.partition("?")
        request_id = str(uuid.uuid4())
        multi_headers = _multi(headers)
        if isinstance(body, Mapping | list):
            body = json.dumps(body)
            if not _find(multi_headers, "content-type"):
                multi_headers["Content-Type"] = ["application/json"]
        multi_query = _multi(query) if query is not None else _multi(
            dict_of_lists(parse_qsl(query_string, keep_blank_values=True))
        )
        matched = match_route(self.template.routes, method, path)
        if matched is None:
            return self._gateway("MISSING_AUTHENTICATION_TOKEN", request_id)
        route, path_parameters = matched
        decoded_path = "/".join(unquote(part) for part in path.split("/"))
        event: dict[str, Any] = {
            "resource": route.path,
            "path": decoded_path,
            "httpMethod": method,
            "headers": {key: values[-1] for key, values in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": self._request_context(
                route, method, decoded_path, request_id, source_ip, multi_headers
            ),
            "body": body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body,
            "isBase64Encoded": False,
        }
        if route.authorizer is not None:
            refusal = self._authorize(self.template.authorizers[route.authorizer], event, request_id)
            if isinstance(refusal, LocalResponse):
                self.pump_streams()
                return refusal
            event["requestContext"]["authorizer"] = refusal
        try:
            result = self._call(self.function(route.function), event)
        except FunctionFailed:
            log.exception("function %s failed on %s %s", route.function, method, route.path)
            return self._gateway("DEFAULT_5XX", request_id, status=502)
        finally:
            self.pump_streams()
        response = _proxy_response(result, request_id)
        if response is None:
            log.error("function %s returned a malformed proxy response", route.function)
            return self._gateway("DEFAULT_5XX", request_id, status=502)
        return response

    def _request_context(
        self,
        route: ApiRoute,
        method: str,
        path: str,
        request_id: str,
        source_ip: str,
        headers: Mapping[str, list[str]],
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        user_agent = _find(headers, "user-agent")
        host = _find(headers, "host")
        return {
            "resourceId": hashlib.sha256(route.path.encode()).hexdigest()[:6],
            "resourcePath": route.path,
            "httpMethod": method,
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes)[:16].decode(),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{self.template.stage}{path}",
            "accountId": self.account_id,
            "protocol": "HTTP/1.1",
            "stage": self.template.stage,
            "domainPrefix": self.api_id,
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
                "caller": None, "sourceIp": source_ip, "principalOrgId": None,
                "accessKey": None, "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None, "userArn": None,
                "userAgent": user_agent[-1] if user_agent else None, "user": None,
            },
            "domainName": host[-1] if host else f"{self.api_id}.execute-api.{self.region}.amazonaws.com",
            "apiId": self.api_id,
        }

    def method_arn(self, method: str, path: str) -> str:
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/"
            f"{self.template.stage}/{method}/{path.lstrip('/')}"
        )

    def _authorize(
        self, authorizer: AuthorizerSpec, event: Mapping[str, Any], request_id: str
    ) -> LocalResponse | dict[str, Any]:
        """The authorizer context for the integration, or the gateway's refusal."""
        headers = event["multiValueHeaders"] or {}
        query = event["multiValueQueryStringParameters"] or {}
        sources = [_find(headers, name) for name in authorizer.identity_headers] + [
            query.get(name) for name in authorizer.identity_query_strings
        ]
        identity = [values[-1] for values in sources if values and values[-1]]
        if not identity or len(identity) != len(sources):
            # API Gateway answers a request without its identity sources itself.
            return self._gateway("UNAUTHORIZED", request_id)
        method_arn = self.method_arn(event["httpMethod"], event["path"])
        if authorizer.payload_type == "TOKEN":
            authorizer_event: dict[str, Any] = {
                "type": "TOKEN", "authorizationToken": identity[0],
                "methodArn": method_arn,
            }
        else:
            authorizer_event = {
                "type": "REQUEST",
                "methodArn": method_arn,
                **{key: event[key] for key in (
                    "resource", "path", "httpMethod", "headers", "multiValueHeaders",
                    "queryStringParameters", "multiValueQueryStringParameters",
                    "pathParameters", "stageVariables", "requestContext",
                )},
            }
        spec = self._function_by_logical_id(authorizer.function_logical_id)
        started = time.monotonic()
        try:
            output = self._call(spec, authorizer_event)
        except FunctionFailed as failure:
            if str(failure.__cause__) == UNAUTHORIZED_MESSAGE:
                return self._gateway("UNAUTHORIZED", request_id)
            log.exception("authorizer %s failed", spec.name)
            return self._gateway("AUTHORIZER_FAILURE", request_id)
        if not _valid_authorizer_output(output):
            log.error("authorizer %s returned no principalId/policyDocument or a context "
                      "value that is not a string, number or boolean", spec.name)
            return self._gateway("AUTHORIZER_CONFIGURATION_ERROR", request_id)
        if not policy_allows(output["policyDocument"], method_arn):
            return self._gateway("ACCESS_DENIED", request_id)
        context: dict[str, Any] = {
            key: _context_string(value) for key, value in (output.get("context") or {}).items()
        }
        context["principalId"] = str(output["principalId"])
        context["integrationLatency"] = int((time.monotonic() - started) * 1000)
        return context

    def _function_by_logical_id(self, logical_id: str) -> FunctionSpec:
        for spec in self.template.functions:
            if spec.logical_id == logical_id:
                return spec
        raise UnknownFunction(logical_id)

    def _gateway(self, response_type: str, request_id: str, *, status: int | None = None) -> LocalResponse:
        """A gateway response exactly as the template defines it."""
        response = self.template.gateway_response(response_type)
        code, body = response.render(status, {
            "requestId": request_id,
            "error.responseType": response_type,
            "error.message": response_type.replace("_", " ").capitalize(),
            "error.messageString": json.dumps(response_type.replace("_", " ").capitalize()),
        })
        headers = {**response.headers, "x-amzn-RequestId": request_id}
        return LocalResponse(code, headers, body.encode("utf-8"))

    # ------------------------------------------------------------------ streams

    def pump_streams(self) -> int:
        """Deliver new stream records (and due retries) to the stream functions; return
        how many records were delivered. Safe to call from several threads."""
        if self._stack is None:
            return 0
        delivered = 0
        with self._pump_lock:
            for subscription in self._subscriptions:
                retries, subscription.retry = subscription.retry, []
                delivered += self._deliver(subscription, retries)
                for _ in range(MAX_PUMP_ROUNDS):
                    fresh = self._read(subscription)
                    if not fresh:
                        break
                    delivered += self._deliver(subscription, [
                        pending for pending in fresh
                        if not subscription.event.filters
                        or any(matches_pattern(f, pending.record) for f in subscription.event.filters)
                    ])
        return delivered

    def _read(self, subscription: _Subscription) -> list[_Pending]:
        client = aws_client("dynamodbstreams", self.region)
        found: list[_Pending] = []
        for shard_id, iterator in list(subscription.iterators.items()):
            while iterator:
                page = client.get_records(ShardIterator=iterator, Limit=1000)
                next_iterator = page.get("NextShardIterator")
                for raw in page["Records"]:
                    found.append(_Pending(self._lambda_record(raw, subscription), shard_id))
                if next_iterator:
                    subscription.iterators[shard_id] = next_iterator
                else:
                    del subscription.iterators[shard_id]  # the shard is closed
                if not page["Records"]:
                    break
                iterator = next_iterator
        return found

    def _lambda_record(self, raw: Mapping[str, Any], subscription: _Subscription) -> dict[str, Any]:
        dynamodb = dict(raw["dynamodb"])
        created = dynamodb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
        for key in ("Keys", "NewImage", "OldImage"):
            if key in dynamodb:
                dynamodb[key] = _wire_attribute_values(dynamodb[key])
        return {
            "eventID": raw["eventID"],
            "eventName": raw["eventName"],
            "eventVersion": raw.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": raw.get("awsRegion", self.region),
            "dynamodb": dynamodb,
            "eventSourceARN": subscription.stream_arn,
        }

    def _deliver(self, subscription: _Subscription, pending: list[_Pending]) -> int:
        size = max(1, subscription.event.batch_size)
        for start in range(0, len(pending), size):
            batch = pending[start:start + size]
            failed = self._invoke_batch(subscription, batch)
            exhausted: list[_Pending] = []
            for item in batch:
                if item.sequence_number not in failed:
                    continue
                item.failures += 1
                limit = subscription.event.maximum_retry_attempts
                if 0 <= limit < item.failures:
                    exhausted.append(item)
                else:
                    subscription.retry.append(item)
            if exhausted:
                self._dead_letter(subscription, exhausted)
        return len(pending)

    def _invoke_batch(self, subscription: _Subscription, batch: list[_Pending]) -> set[str]:
        """Sequence numbers of the records that failed."""
        everything = {item.sequence_number for item in batch}
        try:
            result = self._call(subscription.function, {"Records": [item.record for item in batch]})
        except FunctionFailed:
            log.exception("stream function %s failed a batch of %d", subscription.function.name,
                          len(batch))
            return everything
        if not subscription.event.report_batch_item_failures or not isinstance(result, Mapping):
            return set()
        failures = result.get("batchItemFailures") or []
        identifiers = {
            str(item.get("itemIdentifier")) if isinstance(item, Mapping) else "" for item in failures
        }
        if not identifiers <= everything:
            log.error("stream function %s reported unknown item identifiers: whole batch retried",
                      subscription.function.name)
            return everything
        return identifiers

    def _dead_letter(self, subscription: _Subscription, records: list[_Pending]) -> None:
        destination = subscription.event.on_failure
        if destination is None or self._resolver is None:
            log.error("%d stream records dropped after %d retries (no on-failure destination)",
                      len(records), subscription.event.maximum_retry_attempts)
            return
        arn = str(self._resolver.resolve(destination))
        client = aws_client("sqs", self.region)
        _, _, _, _, owner, queue_name = arn.split(":", 5)
        url = client.get_queue_url(QueueName=queue_name, QueueOwnerAWSAccountId=owner)["QueueUrl"]
        first, last = records[0].record["dynamodb"], records[-1].record["dynamodb"]
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_arn(subscription.function),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": max(item.failures for item in records),
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": utc_stamp(),
            "DDBStreamBatchInfo": {
                "shardId": records[0].shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": first.get("ApproximateCreationDateTime"),
                "approximateArrivalOfLastRecord": last.get("ApproximateCreationDateTime"),
                "batchSize": len(records),
                "streamArn": subscription.stream_arn,
            },
            # Local addition: Lambda sends only the batch's coordinates in the stream.
            "Records": [item.record for item in records],
        }
        client.send_message(QueueUrl=url, MessageBody=json.dumps(message))
        log.warning("%d stream records sent to %s after %d retries", len(records), queue_name,
                    subscription.event.maximum_retry_attempts)

    # ------------------------------------------------------------------ outbox

    def outbox(self) -> list[dict[str, Any]]:
        """Every email (SES v1/v2) and SMS (SNS) sent, oldest first."""
        self._observe_outbox()
        with self._outbox_lock:
            return [dict(message) for message in self._outbox]

    def _observe_outbox(self) -> None:
        """Stamp the messages moto holds that were not seen yet (moto keeps no time)."""
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        with self._outbox_lock:
            stamp = utc_stamp()
            ses = ses_backends[self.account_id][self.region]
            for message in list(ses.sent_messages):
                key = f"ses:{getattr(message, 'id', None) or id(message)}"
                if key not in self._seen_messages:
                    self._seen_messages.add(key)
                    self._outbox.append({**_email(message, ses), "sentAt": stamp})
            sms = sns_backends[self.account_id][self.region].sms_messages
            for message_id, (phone, text) in list(sms.items()):
                key = f"sns:{message_id}"
                if key not in self._seen_messages:
                    self._seen_messages.add(key)
                    self._outbox.append(
                        {"channel": "sms", "to": phone, "subject": None, "body": text,
                         "sentAt": stamp}
                    )


# --------------------------------------------------------------------------- helpers


def dict_of_lists(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _multi(values: Mapping[str, str | Sequence[str]] | None) -> dict[str, list[str]]:
    if not values:
        return {}
    return {
        key: [value] if isinstance(value, str) else list(value)
        for key, value in values.items()
    }


def _find(headers: Mapping[str, list[str]], name: str) -> list[str] | None:
    wanted = name.lower()
    return next((values for key, values in headers.items() if key.lower() == wanted), None)


def _valid_authorizer_output(output: Any) -> bool:
    if not isinstance(output, Mapping) or "principalId" not in output:
        return False
    if not isinstance(output.get("policyDocument"), Mapping):
        return False
    context = output.get("context") or {}
    return isinstance(context, Mapping) and all(
        isinstance(value, str | int | float | bool) for value in context.values()
    )


def _proxy_response(result: Any, request_id: str) -> LocalResponse | None:
    """A Lambda proxy result as API Gateway turns it into HTTP; ``None`` if malformed."""
    if not isinstance(result, Mapping):
        return None
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        return None
    headers: dict[str, str] = {
        str(key): str(value) for key, value in (result.get("headers") or {}).items()
    }
    for key, values in (result.get("multiValueHeaders") or {}).items():
        joined = ", ".join(str(value) for value in values)
        headers[str(key)] = f"{headers[str(key)]}, {joined}" if str(key) in headers else joined
    if not any(key.lower() == "content-type" for key in headers):
        headers["Content-Type"] = "application/json"
    headers["x-amzn-RequestId"] = request_id
    if body is None:
        payload = b""
    elif result.get("isBase64Encoded"):
        payload = base64.b64decode(body)
    else:
        payload = body.encode("utf-8")
    return LocalResponse(status, headers, payload)


def _email(message: Any, backend: Any) -> dict[str, Any]:
    """An outbox entry (without ``sentAt``) for one of moto's SES message kinds."""
    if hasattr(message, "raw_data"):
        parsed = cast(EmailMessage, message_from_string(message.raw_data, policy=policy.default))
        part = parsed.get_body(preferencelist=("plain", "html")) if parsed.is_multipart() else parsed
        return {
            "channel": "email",
            "to": str(parsed["To"] or ", ".join(message.destinations)),
            "subject": str(parsed["Subject"]) if parsed["Subject"] is not None else None,
            "body": cast(EmailMessage, part).get_content() if part is not None else "",
        }
    recipients = _recipients(message.destinations)
    if hasattr(message, "template"):
        return {"channel": "email", "to": recipients, **_render_template(message, backend)}
    return {"channel": "email", "to": recipients, "subject": message.subject,
            "body": message.body}


def _recipients(destinations: Any) -> str:
    if isinstance(destinations, Mapping):
        for key in ("ToAddresses", "CcAddresses", "BccAddresses"):
            if destinations.get(key):
                return ", ".join(destinations[key])
        return ""
    return ", ".join(str(item) for item in destinations or [])


def _render_template(message: Any, backend: Any) -> dict[str, Any]:
    from moto.ses.template import parse_template

    template = backend.templates.get(message.template)
    if not template:
        return {"subject": message.template, "body": message.template_data}
    data = json.loads(message.template_data or "{}")
    return {
        "subject": parse_template(str(template.get("subject_part", "")), data),
        "body": parse_template(
            str(template.get("text_part") or template.get("html_part") or ""), data
        ),
    }


def _forget_settings() -> None:
    """The settings are read once per cold start; the environment just changed."""
    try:
        from roster.config import get_settings
    except ImportError:  # a template whose functions do not use the roster package
        return
    get_settings.cache_clear()
