"""ScimApi through the local runtime: its own authorizer and gateway responses in SCIM's
error schema, on the same port as the main API, which keeps its problem documents."""

from __future__ import annotations

from roster.scim_api import ERROR_SCHEMA, SCIM_CONTENT_TYPE
from roster_local import Runtime
from roster_local.gateway import LocalResponse
from roster_local.runtime import MAX_PAYLOAD_BYTES
from support.api import Caller


def _is_scim_error(response: LocalResponse, status: int) -> None:
    assert response.status == status, response.body[:200]
    assert response.header("Content-Type") == SCIM_CONTENT_TYPE
    document = response.json()
    assert document["schemas"] == [ERROR_SCHEMA] and document["status"] == str(status)


def test_an_unknown_scim_path_is_a_scim_404_and_an_unknown_path_elsewhere_a_problem(
        runtime: Runtime) -> None:
    _is_scim_error(runtime.invoke("GET", "/scim/v2/Nowhere"), 404)
    elsewhere = runtime.invoke("GET", "/nowhere")
    assert elsewhere.status == 404
    assert elsewhere.header("Content-Type") == "application/problem+json"


def test_scim_without_a_token_is_a_scim_401(runtime: Runtime) -> None:
    _is_scim_error(runtime.invoke("GET", "/scim/v2/ServiceProviderConfig"), 401)
    _is_scim_error(runtime.invoke("GET", "/scim/v2/ServiceProviderConfig",
                                  headers={"Authorization": "Bearer rstp_nothing"}), 401)


def test_a_scim_body_over_the_limit_is_a_scim_413(runtime: Runtime) -> None:
    _is_scim_error(runtime.invoke("POST", "/scim/v2/Users", body="x" * (MAX_PAYLOAD_BYTES + 1)),
                   413)


def test_each_api_keeps_its_own_stage_and_id(runtime: Runtime) -> None:
    scim = runtime.template.apis["ScimApi"]
    main = runtime.template.apis["Api"]
    assert (scim.stage, main.stage) == ("provisioning", "v1")
    assert runtime.api_id_of("ScimApi") != runtime.api_id_of("Api")
    assert runtime.template.api_for_path("/scim/v2/Users") is scim
    assert runtime.template.api_for_path("/agents") is main
    arn = runtime.method_arn("GET", "/scim/v2/ServiceProviderConfig")
    assert f"{runtime.api_id_of('ScimApi')}/provisioning/GET/scim/v2/" in arn


def test_every_scim_gateway_response_is_a_scim_error_of_its_status(runtime: Runtime) -> None:
    # Given ScimApi's gateway responses (what API Gateway answers before any function)
    scim = runtime.template.apis["ScimApi"]
    assert set(scim.gateway_responses) == {
        "UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "REQUEST_TOO_LARGE",
        "THROTTLED", "DEFAULT_5XX"}
    statuses = {"UNAUTHORIZED": 401, "ACCESS_DENIED": 403, "MISSING_AUTHENTICATION_TOKEN": 404,
                "REQUEST_TOO_LARGE": 413, "THROTTLED": 429, "DEFAULT_5XX": 500,
                "AUTHORIZER_FAILURE": 500}
    # Then each (and a failing authorizer, through DEFAULT_5XX) renders a SCIM error
    for response_type, status in statuses.items():
        answer = runtime.gateway_response(response_type, api=scim,
                                          authorizer={"detail": "Why it was denied"})
        _is_scim_error(answer, status)
    denied = runtime.gateway_response("ACCESS_DENIED", api=scim,
                                      authorizer={"detail": "Why it was denied"})
    assert denied.json()["detail"] == "Why it was denied"


def test_a_method_a_scim_path_does_not_serve_is_a_scim_405_naming_those_it_does(
        runtime: Runtime, scim: Caller) -> None:
    # Given a provisioning token, each SCIM path called with a method it does not serve
    cases = {("POST", "/scim/v2/ServiceProviderConfig"): "GET",
             ("DELETE", "/scim/v2/ResourceTypes"): "GET",
             ("PUT", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"): "GET",
             ("PATCH", "/scim/v2/Users"): "GET, POST",
             ("POST", "/scim/v2/Groups/sales"): "DELETE, GET, PATCH, PUT"}
    for (method, path), allowed in cases.items():
        response = scim.call(method, path, {"schemas": [ERROR_SCHEMA]})
        # Then the function answers 405 (not the gateway's 404), a SCIM error with Allow
        _is_scim_error(response, 405)
        assert response.header("Allow") == allowed, (method, path)
        assert method in response.json()["detail"]
    # And the method still needs a provisioning token (none: the authorizer's 401)
    _is_scim_error(runtime.invoke("POST", "/scim/v2/ServiceProviderConfig"), 401)
    # And a path SCIM does not serve is still the gateway's 404
    _is_scim_error(scim.call("POST", "/scim/v2/Nowhere"), 404)
