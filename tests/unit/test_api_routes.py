"""The route registry (``roster.routes``) against what serves and deploys the routes.

Adding a route takes its declaration with its handler (``roster.api.route``), its
``template.yaml`` event, and a test. Each missing piece fails here: an event without a
declaration or a declaration without an event (or naming another function, or another
authorizer setting) fails the template test; a declaration without a handler, or a
handler registered twice, fails the router test; a handler without a declaration cannot
be imported (``route`` raises ``KeyError``).
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from roster import openapi, routes

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (``!Ref``, ``!GetAtt``...) read as plain
    values: only the API events' literal properties matter here."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node)


_CloudFormationLoader.add_multi_constructor("!", _untagged)


# The template's API for each ``Route.api``.
TEMPLATE_API = {routes.REST_API: "Api", routes.SCIM_API: "ScimApi"}


def _template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"),
                                       Loader=_CloudFormationLoader)
    return loaded


def template_events() -> dict[tuple[str, str], tuple[str, bool, str]]:
    """Every API event of ``template.yaml``: (METHOD, path) → (functions dir, public,
    the API it is on)."""
    template = _template()
    found: dict[tuple[str, str], tuple[str, bool, str]] = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        function = Path(resource["Properties"]["CodeUri"]).name
        for event in (resource["Properties"].get("Events") or {}).values():
            if event["Type"] != "Api":
                continue
            properties = event["Properties"]
            key = (str(properties["Method"]).upper(), str(properties["Path"]))
            assert key not in found, f"{key} has two events ({name})"
            public = (properties.get("Auth") or {}).get("Authorizer") == "NONE"
            found[key] = (function, public, str(properties["RestApiId"]))
    return found


def test_the_template_deploys_exactly_the_declared_routes() -> None:
    # Given the template's API events (preflights aside) and the registry
    deployed = {key: value for key, value in template_events().items() if key[0] != "OPTIONS"}
    declared = {route.key: (route.function, route.public, TEMPLATE_API[route.api])
                for route in (*routes.ROUTES, *routes.METHODS_NOT_ALLOWED)}
    # Then each route (and each SCIM path's ANY event) is in both, served by the same
    # function on the same API, public in both or neither
    assert sorted(set(declared) - set(deployed)) == [], "declared, no template event"
    assert sorted(set(deployed) - set(declared)) == [], "template event, not declared"
    assert {key: value for key, value in deployed.items() if declared[key] != value} == {}


def test_every_routes_path_has_one_public_preflight_on_the_openapi_function() -> None:
    # Rule (API.md v2): OPTIONS is answered on every route, before any authorizer (the
    # browser-facing API's: SCIM's clients are identity providers' servers, no browser).
    preflights = {path: value for (method, path), value in template_events().items()
                  if method == "OPTIONS"}
    assert preflights == {route.path: ("openapi", True, TEMPLATE_API["rest"])
                          for route in routes.ROUTES if route.api == "rest"}


@cache
def _function(name: str) -> ModuleType:
    module: ModuleType = openapi.load_function_module(name, suffix="_routes")
    return module


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_declared_route_has_exactly_one_handler_in_its_function(function: str) -> None:
    # Given the routes declared for the function and its app module
    declared = sorted(route.key for route in routes.ROUTES
                      if route.function == function and route.resolver)
    module = _function(function)
    router = getattr(module, "router", None)
    if router is None:  # a plain Lambda handler: only routes declared outside the resolver
        assert declared == [], f"{function} has no router for {declared}"
        return
    # Then the handlers registered through roster.api.route are one per declared route
    handlers = Counter(value.declared_route.key for value in vars(module).values()
                       if callable(value) and hasattr(value, "declared_route"))
    assert [key for key, count in handlers.items() if count > 1] == [], "two handlers"
    assert sorted(set(declared) - set(handlers)) == [], "declared, no handler"
    assert sorted(set(handlers) - set(declared)) == [], "handler, declared elsewhere"
    # And the router serves those and nothing else (no handler around the registry)
    served = sorted((method, rule.replace("<", "{").replace(">", "}"))
                    for rule, methods, *_ in router._routes for method in methods)
    assert served == declared


def test_each_api_has_its_own_authorizer_and_no_path_of_another() -> None:
    # Given the template's APIs
    resources = _template()["Resources"]
    apis = {name: resources[name]["Properties"] for name in TEMPLATE_API.values()}
    # Then each has its own default authorizer function, its result cache off
    functions = {}
    for name, api in apis.items():
        auth = api["Auth"]
        authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
        functions[name] = str(authorizer["FunctionArn"]).partition(".")[0]
        assert authorizer["Identity"]["ReauthorizeEvery"] == 0, name
    assert functions == {"Api": "AuthorizerFunction", "ScimApi": "ScimAuthorizerFunction"}
    # And SCIM's routes are under /scim/v2 on ScimApi, no other route is
    for route in routes.ROUTES:
        assert route.path.startswith(routes.SCIM_BASE + "/") == (route.api == routes.SCIM_API)


def test_every_body_read_as_sent_is_a_binary_media_type_of_its_api() -> None:
    """A raw body's type missing from ``BinaryMediaTypes`` would reach the function as
    text: an image mangled, a CSV that is not UTF-8 a 500."""
    resources = _template()["Resources"]
    raw = [route for route in routes.ROUTES if route.raw_body is not None]
    assert {route.key for route in raw} >= {("POST", "/imports"), ("PUT", "/me/photo"),
                                            ("PUT", "/agents/{id}/photo")}
    for route in raw:
        assert route.raw_body is not None
        binary = {kind.replace("~1", "/") for kind in
                  resources[TEMPLATE_API[route.api]]["Properties"]["BinaryMediaTypes"]}
        assert set(route.raw_body.media_types) <= binary, route.key


def test_scim_routes_need_the_agents_permission_of_their_method() -> None:
    needed = {"GET": "agents:read", "POST": "agents:write", "PUT": "agents:write",
              "PATCH": "agents:write", "DELETE": "agents:delete"}
    scim = [route for route in routes.ROUTES if route.api == routes.SCIM_API]
    assert scim
    for route in scim:
        assert route.requirement == frozenset({needed[route.method]}), route.key


def test_each_scim_path_and_only_those_has_an_any_event_for_the_other_methods() -> None:
    # Given the paths SCIM serves
    scim_paths = sorted({route.path for route in routes.ROUTES if route.api == routes.SCIM_API})
    # Then each has one ANY declaration, on the scim function, for any provisioning token
    declared = list(routes.METHODS_NOT_ALLOWED)
    assert [route.path for route in declared] == scim_paths
    for route in declared:
        assert (route.method, route.function, route.api) == ("ANY", "scim", routes.SCIM_API)
        assert routes.other_methods(route.path) is route
        assert route.requirement == frozenset({"agents:read"})
    # And it is no served route: not in ROUTES, so no handler and no OpenAPI operation
    assert not {route.key for route in declared} & set(routes.BY_KEY)
    assert routes.other_methods("/agents") is None
    assert routes.allowed_methods("/scim/v2/Users") == ["GET", "POST"]
    assert routes.allowed_methods("/scim/v2/Users/{id}") == ["DELETE", "GET", "PATCH", "PUT"]


def test_routes_outside_the_resolver_have_a_plain_handler() -> None:
    for route in routes.ROUTES:
        if not route.resolver:
            module = _function(route.function)
            assert callable(module.handler) and not hasattr(module, "router"), route.key


def test_a_handler_for_an_undeclared_route_cannot_be_registered() -> None:
    from aws_lambda_powertools.event_handler.api_gateway import Router
    from roster.api import route

    with pytest.raises(KeyError, match="GET /nowhere is not declared"):
        route(Router(), "GET /nowhere")


def test_every_declaration_names_a_function_a_tag_and_a_summary() -> None:
    # Every route names a function that exists, a tag and a summary
    for route in routes.ROUTES:
        assert route.function in FUNCTIONS, route.key
        assert route.tag and route.summary, route.key
        assert route.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}, route.key
    assert routes.declared("post /agents") is routes.BY_KEY[("POST", "/agents")]
