"""The local gateway selects a resource the way API Gateway does: the most specific
resource for the path first, then its method (found by the hard fuzz run: ``OPTIONS
/agents/numeric-ids`` answered ``Allow: DELETE, GET, PATCH``, the methods of
``/agents/{id}``)."""

from __future__ import annotations

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
