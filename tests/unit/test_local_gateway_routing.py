"""The local gateway selects a resource the way API Gateway does: the most specific
resource for the path first, then its method (found by the hard fuzz run: ``OPTIONS
/agents/numeric-ids`` answered ``Allow: DELETE, GET, PATCH``, the methods of
``/agents/{id}``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from roster_local.gateway import declared_methods, match_route
from roster_local.template import Template

ROUTES = Template.load().routes


def test_a_literal_resource_wins_over_a_parameter_and_lists_only_its_methods() -> None:
    # (OPTIONS: every resource has its CORS preflight)
    assert declared_methods(ROUTES, "/agents/numeric-ids") == ["GET", "OPTIONS"]
    found = match_route(ROUTES, "GET", "/agents/numeric-ids")
    assert found is not None and found[0].path == "/agents/numeric-ids"


def test_a_method_the_selected_resource_lacks_matches_no_less_specific_one() -> None:
    assert match_route(ROUTES, "DELETE", "/agents/numeric-ids") is None


def test_a_parameter_resource_still_matches_other_ids() -> None:
    found = match_route(ROUTES, "DELETE", "/agents/1234")
    assert found is not None
    route, parameters = found
    assert (route.path, parameters) == ("/agents/{id}", {"id": "1234"})
    assert declared_methods(ROUTES, "/agents/1234") == ["DELETE", "GET", "OPTIONS", "PATCH"]


TWO_APIS = """
Resources:
  Main:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1}
  Other:
    Type: AWS::Serverless::Api
    Properties: {StageName: other}
  One:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: one/
      Events:
        A: {Type: Api, Properties: {RestApiId: !Ref Main, Path: "/a/{id}", Method: get}}
  Two:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: two/
      Events:
        B: {Type: Api, Properties: {%s, Path: %s, Method: get}}
"""


def _two_apis(tmp_path: Path, api: str, path: str) -> Template:
    file = tmp_path / "template.yaml"
    file.write_text(TWO_APIS % (api, path), encoding="utf-8")
    return Template.load(file)


def test_each_route_is_on_its_api_and_a_path_goes_to_the_api_owning_it(
        tmp_path: Path) -> None:
    template = _two_apis(tmp_path, "RestApiId: !Ref Other", "/b/c")
    assert {(route.path, route.api) for route in template.routes} == {
        ("/a/{id}", "Main"), ("/b/c", "Other")}
    assert template.api_for_path("/b/nowhere").logical_id == "Other"
    assert template.api_for_path("/a/1").logical_id == "Main"
    assert template.api_for_path("/unknown").logical_id == "Main"  # the first API


def test_two_apis_may_not_serve_under_one_first_segment(tmp_path: Path) -> None:
    template = _two_apis(tmp_path, "RestApiId: !Ref Other", "/a/b")
    with pytest.raises(ValueError, match="served by both Main and Other"):
        template.api_for_path("/a/b")


def test_with_several_apis_an_event_names_its_api(tmp_path: Path) -> None:
    template = _two_apis(tmp_path, "Auth: {Authorizer: NONE}", "/b")
    with pytest.raises(ValueError, match="name its RestApiId"):
        _ = template.routes
