"""API Gateway (REST API, Lambda proxy integration) rules, as pure functions: route
selection, the authorizer's policy, and how a proxy result becomes an HTTP response."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from roster_local.template import ApiRoute


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


# --------------------------------------------------------------------------- routing


def _segment_kind(segment: str) -> int:
    """0 literal, 1 ``{param}``, 2 greedy ``{proxy+}``: lower is more specific."""
    if segment.startswith("{") and segment.endswith("+}"):
        return 2
    return 1 if segment.startswith("{") and segment.endswith("}") else 0


def _match_path(path: str, segments: Sequence[str]) -> dict[str, str] | None:
    """The path parameters when the resource ``path`` matches ``segments``."""
    patterns = path.split("/")[1:]
    parameters: dict[str, str] = {}
    for index, pattern in enumerate(patterns):
        kind = _segment_kind(pattern)
        if kind == 2:
            rest = segments[index:]
            if not rest or not rest[0]:
                return None
            parameters[pattern[1:-2]] = "/".join(rest)
            return parameters
        if index >= len(segments):
            return None
        if kind == 1 and segments[index]:
            parameters[pattern[1:-1]] = segments[index]
        elif kind == 1 or pattern != segments[index]:
            return None
    return parameters if len(segments) == len(patterns) else None


def _resource(routes: Sequence[ApiRoute], segments: Sequence[str]) -> str | None:
    """The resource API Gateway selects for a path, before looking at the method: the
    most specific one (literal segments beat parameters, which beat greedy ones)."""
    paths = {route.path for route in routes if _match_path(route.path, segments) is not None}
    if not paths:
        return None
    return min(paths, key=lambda path: [_segment_kind(part) for part in path.split("/")[1:]])


def match_route(
    routes: Sequence[ApiRoute], method: str, path: str
) -> tuple[ApiRoute, dict[str, str]] | None:
    """The route API Gateway picks for ``method path``, with its path parameters: the
    most specific resource first, then its method (a method beats ``ANY``). A method the
    selected resource does not declare matches nothing, even where a less specific
    resource declares it (``DELETE /agents/numeric-ids`` is not ``DELETE /agents/{id}``)."""
    segments = [unquote(part) for part in path.split("/")[1:]]
    resource = _resource(routes, segments)
    candidates = [route for route in routes if route.path == resource
                  and route.method in (method.upper(), "ANY")]
    if resource is None or not candidates:
        return None
    route = min(candidates, key=lambda item: item.method == "ANY")
    parameters = _match_path(resource, segments)
    assert parameters is not None
    return route, parameters


def declared_methods(routes: Sequence[ApiRoute], path: str) -> list[str]:
    """Every method the resource selected for ``path`` declares (``ANY`` as is), sorted:
    what a ``405``'s ``Allow`` lists when the request's method is not among them."""
    resource = _resource(routes, [unquote(part) for part in path.split("/")[1:]])
    return sorted({route.method for route in routes if route.path == resource})


# --------------------------------------------------------------------------- authorizer


def _iam_glob(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


def policy_allows(policy_document: Mapping[str, Any], method_arn: str) -> bool:
    """IAM evaluation of an authorizer's policy for one method ARN: an explicit Deny
    wins, otherwise a matching Allow is needed."""
    statements = policy_document.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    allowed = False
    for statement in statements:
        actions = statement.get("Action") or []
        resources = statement.get("Resource") or []
        if not any(
            _iam_glob(action, "execute-api:Invoke", ignore_case=True)
            for action in ([actions] if isinstance(actions, str) else actions)
        ):
            continue
        if not any(
            _iam_glob(resource, method_arn)
            for resource in ([resources] if isinstance(resources, str) else resources)
        ):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def valid_authorizer_output(output: Any) -> bool:
    """A principal, a policy, and a context of strings, numbers and booleans only."""
    if not isinstance(output, Mapping) or "principalId" not in output:
        return False
    if not isinstance(output.get("policyDocument"), Mapping):
        return False
    context = output.get("context") or {}
    return isinstance(context, Mapping) and all(
        isinstance(value, str | int | float | bool) for value in context.values()
    )


def as_string(value: Any) -> str:
    """How a REST API passes an authorizer context value to the integration (and how
    CloudFormation writes an environment value): as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


# --------------------------------------------------------------------------- responses


def proxy_response(result: Any, request_id: str) -> LocalResponse | None:
    """A Lambda proxy result as API Gateway sends it; ``None`` when it is malformed
    (API Gateway answers 502 then)."""
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
    # For a header in both, API Gateway keeps the multiValueHeaders values.
    headers = {str(key): str(value) for key, value in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[str(key)] = ", ".join(str(value) for value in values)
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
