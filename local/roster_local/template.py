"""``template.yaml`` read as the local runtime needs it.

The SAM template is the one source of truth for local mode: functions, routes, the APIs
(each with its authorizers, gateway responses and stage; every API served on the one
local port, each owning the paths under its routes' first segments), stream and
schedule triggers and resources are all read from it. cfn-lint's decoder turns
CloudFormation short-form tags (``!Ref``, ``!GetAtt``...) into their long forms on load,
and ``Resolver`` evaluates those intrinsics against the local parameter values and the
physical ids of what was provisioned.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

FUNCTION_TYPE = "AWS::Serverless::Function"
API_TYPE = "AWS::Serverless::Api"
PUBLIC = "NONE"

# API Gateway's own status for each gateway response type, used when the template
# does not give one. The DEFAULT_* types are the fallbacks of every other 4xx / 5xx.
DEFAULT_GATEWAY_STATUS = {
    "UNAUTHORIZED": 401,
    "ACCESS_DENIED": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "THROTTLED": 429,
    "REQUEST_TOO_LARGE": 413,
    "AUTHORIZER_FAILURE": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "BAD_REQUEST_BODY": 400,
    "DEFAULT_4XX": 400,
    "DEFAULT_5XX": 500,
}
_DEFAULT_GATEWAY_MESSAGE = {
    "UNAUTHORIZED": "Unauthorized",
    "ACCESS_DENIED": "User is not authorized to access this resource",
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token",
    "THROTTLED": "Too Many Requests",
}


_UNSET_AUTHORIZER_VARIABLE = re.compile(r"\$context\.authorizer\.[A-Za-z0-9_]+")


def default_template_path() -> Path:
    """The repository's ``template.yaml``: ``local/roster_local/`` is two levels below."""
    return Path(__file__).resolve().parents[2] / "template.yaml"


# --------------------------------------------------------------------------- loading


def load_template(path: Path | str | None = None) -> dict[str, Any]:
    """The template as plain data, intrinsics in their long (JSON) form: cfn-lint's
    decoder reads the short-form tags (``!Ref``, ``!GetAtt A.B``, ``!Sub``...)."""
    from cfnlint.decode import cfn_yaml

    text = Path(path or default_template_path()).read_text(encoding="utf-8")
    document: Any = cfn_yaml.loads(text, str(path))
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise ValueError(f"{path} is not a CloudFormation template")
    return document


@lru_cache(maxsize=8)
def _loaded(path: Path, modified_ns: int) -> Template:
    """One parse per template version: every test's runtime reads the same file."""
    return Template(load_template(path), path)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class ApiRoute:
    """One ``Type: Api`` event: ``authorizer`` is ``None`` for a public route; ``api``
    the logical id of the API it is on."""

    path: str
    method: str  # upper case, or ANY
    function: str
    authorizer: str | None
    api: str


@dataclass(frozen=True)
class StreamEvent:
    name: str
    stream: Any  # the intrinsic, resolved once provisioned
    batch_size: int
    starting_position: str
    filters: tuple[dict[str, Any], ...]
    report_batch_item_failures: bool
    maximum_retry_attempts: int  # -1: until the record expires, as Lambda
    maximum_record_age_seconds: int  # -1: as long as the stream keeps it, as Lambda
    on_failure: Any  # destination intrinsic or None


@dataclass(frozen=True)
class QueueEvent:
    """An SQS event source mapping (``Type: SQS``)."""

    name: str
    queue: Any  # the queue's ARN intrinsic, resolved once provisioned
    batch_size: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class ScheduleEvent:
    name: str
    schedule: str
    input: str | None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str  # the CodeUri directory name: how local routes and pools name it
    code_dir: Path
    handler: str
    memory_size: int
    timeout: int
    environment: dict[str, Any]  # Globals merged with the function's own, unresolved
    routes: tuple[ApiRoute, ...] = ()
    stream_events: tuple[StreamEvent, ...] = ()
    schedule_events: tuple[ScheduleEvent, ...] = ()
    queue_events: tuple[QueueEvent, ...] = ()
    manual: bool = False  # no trigger at all: invoked by hand (a one-off migration)

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_dir.joinpath(*module.split(".")).with_suffix(".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    function_logical_id: str
    payload_type: str  # REQUEST or TOKEN
    identity_headers: tuple[str, ...]
    identity_query_strings: tuple[str, ...]


@dataclass(frozen=True)
class GatewayResponse:
    response_type: str
    status: int
    headers: dict[str, str]
    body: str

    def render(self, status: int | None, variables: Mapping[str, str]) -> tuple[int, str]:
        """The status and body, with the ``$context`` variables API Gateway substitutes."""
        body = self.body
        for name in sorted(variables, key=len, reverse=True):
            body = body.replace(f"$context.{name}", variables[name])
        # API Gateway renders a variable it has no value for as nothing.
        body = _UNSET_AUTHORIZER_VARIABLE.sub("", body)
        return status or self.status, body


@dataclass(frozen=True)
class ApiSpec:
    """One ``AWS::Serverless::Api``: its stage, authorizers, gateway responses and the
    body types it hands over in base64."""

    logical_id: str
    properties: dict[str, Any] = field(hash=False, compare=False)

    @property
    def stage(self) -> str:
        return str(self.properties.get("StageName", "Prod"))

    @property
    def binary_media_types(self) -> tuple[str, ...]:
        """The body types the API hands over in base64 (SAM writes ``/`` as ``~1``)."""
        return tuple(str(value).replace("~1", "/").lower()
                     for value in self.properties.get("BinaryMediaTypes") or ())

    @cached_property
    def authorizers(self) -> dict[str, AuthorizerSpec]:
        auth = self.properties.get("Auth") or {}
        specs: dict[str, AuthorizerSpec] = {}
        for name, config in (auth.get("Authorizers") or {}).items():
            arn = config.get("FunctionArn")
            if not (isinstance(arn, dict) and "Fn::GetAtt" in arn):
                raise ValueError(f"authorizer {name}: FunctionArn must be !GetAtt <Function>.Arn")
            identity = config.get("Identity") or {}
            specs[name] = AuthorizerSpec(
                name=name,
                function_logical_id=str(arn["Fn::GetAtt"][0]),
                payload_type=str(config.get("FunctionPayloadType", "TOKEN")).upper(),
                identity_headers=tuple(identity.get("Headers") or ()),
                identity_query_strings=tuple(identity.get("QueryStrings") or ()),
            )
        return specs

    @property
    def default_authorizer(self) -> str | None:
        name = (self.properties.get("Auth") or {}).get("DefaultAuthorizer")
        return str(name) if name else None

    @property
    def authorizer(self) -> AuthorizerSpec | None:
        """The default authorizer, the one every non-public route goes through."""
        name = self.default_authorizer
        return self.authorizers[name] if name else None

    @cached_property
    def gateway_responses(self) -> dict[str, GatewayResponse]:
        responses: dict[str, GatewayResponse] = {}
        for response_type, config in (self.properties.get("GatewayResponses") or {}).items():
            headers = ((config.get("ResponseParameters") or {}).get("Headers")) or {}
            templates = config.get("ResponseTemplates") or {}
            responses[response_type] = GatewayResponse(
                response_type=response_type,
                status=int(config.get("StatusCode") or _default_status(response_type)),
                # Static values are quoted ('value') in the template, as API Gateway wants.
                headers={name: str(value).strip("'") for name, value in headers.items()},
                body=str(templates.get("application/json", "")),
            )
        return responses

    def gateway_response(self, response_type: str) -> GatewayResponse:
        """The API's response for ``response_type``, else its DEFAULT_4XX/5XX, else
        API Gateway's built-in one."""
        status = _default_status(response_type)
        fallback = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        for candidate in (response_type, fallback):
            if candidate in self.gateway_responses:
                found = self.gateway_responses[candidate]
                if candidate == response_type:
                    return found
                return GatewayResponse(response_type, status, found.headers, found.body)
        message = _DEFAULT_GATEWAY_MESSAGE.get(
            response_type, "Internal server error" if status >= 500 else "Bad request"
        )
        return GatewayResponse(
            response_type,
            status,
            {"Content-Type": "application/json"},
            json.dumps({"message": message}),
        )


@dataclass
class Template:
    """Typed accessors over a loaded template."""

    document: dict[str, Any]
    path: Path

    @classmethod
    def load(cls, path: Path | str | None = None) -> Template:
        """The template at ``path``, parsed once per (path, modification time) and shared:
        treat it as read-only."""
        resolved = Path(path or default_template_path()).resolve()
        return _loaded(resolved, resolved.stat().st_mtime_ns)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.document["Resources"])

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        return dict(self.document.get("Parameters") or {})

    @property
    def conditions(self) -> dict[str, Any]:
        return dict(self.document.get("Conditions") or {})

    @property
    def mappings(self) -> dict[str, Any]:
        return dict(self.document.get("Mappings") or {})

    def parameter_values(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        """Every parameter's value: the override, else its Default; checked like CloudFormation
        checks them (AllowedValues, AllowedPattern)."""
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(self.parameters))
        if unknown:
            raise ValueError(f"unknown template parameters {unknown}")
        values: dict[str, str] = {}
        for name, declaration in self.parameters.items():
            if name in overrides:
                value = str(overrides[name])
            elif "Default" in declaration:
                value = str(declaration["Default"])
            else:
                raise ValueError(f"parameter {name} has no Default and no local value")
            allowed = declaration.get("AllowedValues")
            if allowed is not None and value not in [str(item) for item in allowed]:
                raise ValueError(f"parameter {name}={value!r} is not one of {allowed}")
            pattern = declaration.get("AllowedPattern")
            if pattern is not None and re.fullmatch(str(pattern), value) is None:
                raise ValueError(f"parameter {name}={value!r} does not match {pattern}")
            values[name] = value
        return values

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource.get("Type") == resource_type
        }

    @property
    def function_globals(self) -> dict[str, Any]:
        return dict((self.document.get("Globals") or {}).get("Function") or {})

    @cached_property
    def functions(self) -> tuple[FunctionSpec, ...]:
        specs = tuple(
            self._function_spec(logical_id, resource)
            for logical_id, resource in self.resources_of_type(FUNCTION_TYPE).items()
        )
        names = [spec.name for spec in specs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"two functions share the code directory name {duplicates}")
        return specs

    @cached_property
    def arns_taken(self) -> set[str]:
        """Logical ids whose ARN another resource takes (``!GetAtt X.Arn``): the
        functions an authorizer or a custom resource invokes."""
        return {logical_id for resource in self.resources.values()
                for logical_id in _arns_in(resource)}

    def function(self, name: str) -> FunctionSpec | None:
        """The function whose CodeUri directory is ``name``, or whose logical id it is."""
        for spec in self.functions:
            if name in (spec.name, spec.logical_id):
                return spec
        return None

    @property
    def routes(self) -> tuple[ApiRoute, ...]:
        return tuple(route for spec in self.functions for route in spec.routes)

    @cached_property
    def apis(self) -> dict[str, ApiSpec]:
        """Every ``AWS::Serverless::Api`` by logical id, in template order (the first is
        the default: it answers a path no API owns)."""
        found = {logical_id: ApiSpec(logical_id, dict(resource.get("Properties") or {}))
                 for logical_id, resource in self.resources_of_type(API_TYPE).items()}
        if not found:
            raise ValueError(f"local mode serves at least one {API_TYPE}, found none")
        return found

    @property
    def default_api(self) -> ApiSpec:
        return next(iter(self.apis.values()))

    @cached_property
    def path_owners(self) -> dict[str, str]:
        """Which API serves the paths under each first segment (``scim`` → ``ScimApi``):
        the APIs share the one local port, so two may not serve under the same one."""
        owners: dict[str, str] = {}
        for route in self.routes:
            first = _first_segment(route.path)
            if owners.setdefault(first, route.api) != route.api:
                raise ValueError(f"/{first}/... is served by both {owners[first]} and "
                                 f"{route.api}: local mode serves every API on one port")
        return owners

    def api_for_path(self, path: str) -> ApiSpec:
        """The API a request path goes to (its gateway responses, binary types, stage)."""
        owner = self.path_owners.get(_first_segment(path))
        return self.default_api if owner is None else self.apis[owner]

    @property
    def authorizers(self) -> dict[str, AuthorizerSpec]:
        """Every API's authorizers by name (names are unique across the APIs)."""
        return {name: spec for api in self.apis.values()
                for name, spec in api.authorizers.items()}

    # ------------------------------------------------------------------ internals

    def _function_spec(self, logical_id: str, resource: dict[str, Any]) -> FunctionSpec:
        properties = {**self.function_globals, **(resource.get("Properties") or {})}
        code_uri = properties.get("CodeUri")
        if not isinstance(code_uri, str):
            raise ValueError(f"{logical_id}: local mode needs a CodeUri directory")
        code_dir = (self.root / code_uri).resolve()
        name = code_dir.name
        environment = {
            **((self.function_globals.get("Environment") or {}).get("Variables") or {}),
            **(
                ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
            ),
        }
        routes: list[ApiRoute] = []
        streams: list[StreamEvent] = []
        schedules: list[ScheduleEvent] = []
        queues: list[QueueEvent] = []
        for event_name, event in (properties.get("Events") or {}).items():
            event_type = event.get("Type")
            config = event.get("Properties") or {}
            if event_type == "Api":
                routes.append(self._route(name, config))
            elif event_type == "DynamoDB":
                streams.append(_stream_event(event_name, config))
            elif event_type == "SQS":
                queues.append(QueueEvent(
                    name=event_name, queue=config["Queue"],
                    batch_size=int(config.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (config.get("FunctionResponseTypes") or ())))
            elif event_type in ("Schedule", "ScheduleV2"):
                schedules.append(
                    ScheduleEvent(
                        name=event_name,
                        schedule=str(config.get("Schedule") or config.get("ScheduleExpression")),
                        input=config.get("Input"),
                    )
                )
        return FunctionSpec(
            logical_id=logical_id,
            name=name,
            code_dir=code_dir,
            handler=str(properties.get("Handler", "app.handler")),
            memory_size=int(properties.get("MemorySize", 128)),
            timeout=int(properties.get("Timeout", 3)),
            environment=environment,
            routes=tuple(routes),
            stream_events=tuple(streams),
            schedule_events=tuple(schedules),
            queue_events=tuple(queues),
            manual=not properties.get("Events") and logical_id not in self.arns_taken,
        )

    def _route(self, function: str, config: dict[str, Any]) -> ApiRoute:
        api = self._api_of(function, config)
        requested = (config.get("Auth") or {}).get("Authorizer")
        authorizer = api.default_authorizer if requested is None else str(requested)
        if authorizer == PUBLIC:
            authorizer = None
        if authorizer is not None and authorizer not in api.authorizers:
            raise ValueError(f"{function} {config.get('Path')}: unknown authorizer "
                             f"{authorizer} on {api.logical_id}")
        return ApiRoute(
            path=str(config["Path"]),
            method=str(config["Method"]).upper(),
            function=function,
            authorizer=authorizer,
            api=api.logical_id,
        )

    def _api_of(self, function: str, config: dict[str, Any]) -> ApiSpec:
        """The API an event is on: its ``RestApiId`` (``!Ref <Api>``), which may be left
        out only when the template has a single API."""
        reference = config.get("RestApiId")
        if reference is None:
            if len(self.apis) > 1:
                raise ValueError(f"{function} {config.get('Path')}: name its RestApiId "
                                 "(the template has several APIs)")
            return self.default_api
        name = reference.get("Ref") if isinstance(reference, dict) else None
        if name not in self.apis:
            raise ValueError(f"{function} {config.get('Path')}: RestApiId must be "
                             f"!Ref one of {sorted(self.apis)}")
        return self.apis[str(name)]


def _first_segment(path: str) -> str:
    return path.lstrip("/").partition("/")[0]


def _default_status(response_type: str) -> int:
    if response_type in DEFAULT_GATEWAY_STATUS:
        return DEFAULT_GATEWAY_STATUS[response_type]
    return 500 if response_type in ("INTEGRATION_FAILURE", "API_CONFIGURATION_ERROR") else 400


def _stream_event(name: str, config: dict[str, Any]) -> StreamEvent:
    filters = tuple(
        json.loads(item["Pattern"]) if isinstance(item["Pattern"], str) else item["Pattern"]
        for item in ((config.get("FilterCriteria") or {}).get("Filters") or ())
    )
    return StreamEvent(
        name=name,
        stream=config["Stream"],
        batch_size=int(config.get("BatchSize", 100)),
        starting_position=str(config.get("StartingPosition", "LATEST")),
        filters=filters,
        report_batch_item_failures="ReportBatchItemFailures"
        in (config.get("FunctionResponseTypes") or ()),
        maximum_retry_attempts=int(config.get("MaximumRetryAttempts", -1)),
        maximum_record_age_seconds=int(config.get("MaximumRecordAgeInSeconds", -1)),
        on_failure=((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        ),
    )


# --------------------------------------------------------------------------- intrinsics

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Resolver:
    """Evaluates intrinsic functions the way CloudFormation would for one stack."""

    template: Template
    parameters: Mapping[str, str]
    physical_ids: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    account_id: str = "123456789012"
    region: str = "us-east-1"
    stack_name: str = "roster-local"

    @property
    def pseudo_parameters(self) -> dict[str, str]:
        return {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
                f"{self.stack_name}/00000000-0000-0000-0000-000000000000"
            ),
        }

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.conditions[name]))

    def ref(self, name: str) -> Any:
        if name in self.pseudo_parameters:
            return self.pseudo_parameters[name]
        if name in self.parameters:
            value = self.parameters[name]
            declared = str(self.template.parameters.get(name, {}).get("Type", "String"))
            if declared.startswith("List<") or declared == "CommaDelimitedList":
                return [part.strip() for part in value.split(",")]
            return value
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise KeyError(f"!Ref {name}: no such parameter or provisioned resource")

    def get_att(self, resource: str, attribute: str) -> Any:
        try:
            return self.attributes[resource][attribute]
        except KeyError:
            raise KeyError(f"!GetAtt {resource}.{attribute}: not provisioned locally") from None

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic evaluated; ``AWS::NoValue`` entries dropped."""
        if isinstance(value, list):
            resolved = [self.resolve(item) for item in value]
            return [item for item in resolved if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return _NO_VALUE if argument == "AWS::NoValue" else self.ref(str(argument))
            if key == "Condition":
                return self.condition(str(argument))
            if key.startswith("Fn::"):
                return self._function(key[4:], argument)
        resolved_map = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved_map.items() if item is not _NO_VALUE}

    def _function(self, name: str, argument: Any) -> Any:
        if name == "GetAtt":
            resource, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
            return self.get_att(str(resource), str(self.resolve(attribute)))
        if name == "Sub":
            return self._sub(argument)
        if name == "If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        if name == "Condition":
            return self.condition(str(argument))
        args = self.resolve(argument)
        if name == "Equals":
            return args[0] == args[1]
        if name == "Not":
            return not args[0]
        if name == "And":
            return all(args)
        if name == "Or":
            return any(args)
        if name == "Join":
            return str(args[0]).join(str(item) for item in args[1])
        if name == "Select":
            return args[1][int(args[0])]
        if name == "Split":
            return str(args[1]).split(str(args[0]))
        if name == "FindInMap":
            return self.template.mappings[args[0]][args[1]][args[2]]
        if name == "Base64":
            return base64.b64encode(str(args).encode()).decode()
        if name == "GetAZs":
            return [f"{self.region}{zone}" for zone in "abc"]
        if name == "Cidr":
            block, count, bits = str(args[0]), int(args[1]), int(args[2])
            network = ipaddress.ip_network(block, strict=False)
            subnets = network.subnets(new_prefix=network.max_prefixlen - bits)
            return [str(subnet) for _, subnet in zip(range(count), subnets, strict=False)]
        raise NotImplementedError(f"Fn::{name} is not supported in local mode")

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = str(argument[0]), self.resolve(argument[1])
        else:
            text, variables = str(argument), {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] not in self.pseudo_parameters:
                resource, attribute = name.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE: Any = _NoValue()


def _arns_in(value: Any) -> set[str]:
    """Logical ids whose ``Arn`` a value takes through ``Fn::GetAtt``."""
    if isinstance(value, list):
        return {found for item in value for found in _arns_in(item)}
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, argument in value.items():
        if key == "Fn::GetAtt":
            parts = argument.split(".") if isinstance(argument, str) else list(argument)
            if parts[1:] == ["Arn"]:
                found.add(str(parts[0]))
        else:
            found |= _arns_in(argument)
    return found


def referenced_resources(value: Any) -> set[str]:
    """Logical ids a value refers to through Ref, GetAtt or Sub (for ordering)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= referenced_resources(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                found.add(argument)
            elif key == "Fn::GetAtt":
                found.add(str(argument.split(".")[0] if isinstance(argument, str) else argument[0]))
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                found |= {
                    name.split(".")[0]
                    for name in _SUB_VARIABLE.findall(str(text))
                    if not name.startswith("!")
                }
                if isinstance(argument, list):
                    found |= referenced_resources(argument[1:])
            else:
                found |= referenced_resources(argument)
    return found
