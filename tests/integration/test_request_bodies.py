"""Request bodies are JSON whatever their declared ``Content-Type``; anything else is a 4xx."""

from __future__ import annotations

import json

import pytest
from roster_local import Runtime
from support.agents import OWNER_PASSWORD

LOGIN = json.dumps({"login": "admin", "password": OWNER_PASSWORD})


@pytest.fixture
def owner(runtime: Runtime) -> Runtime:
    runtime.create_owner(OWNER_PASSWORD)
    return runtime


@pytest.mark.parametrize("content_type", [
    None,                                                # no header at all
    "application/x-www-form-urlencoded",                 # curl -d's default
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
])
def test_a_json_body_signs_in_whatever_its_declared_type(owner: Runtime,
                                                        content_type: str | None) -> None:
    # Given a valid JSON login body, When it is sent with this Content-Type (or none)
    headers = {"Content-Type": content_type} if content_type else {}
    response = owner.invoke("POST", "/auth/login", headers=headers, body=LOGIN)

    # Then it is read as JSON and the owner gets tokens
    assert response.status == 200, response.json()
    assert response.json()["status"] == "authenticated"


def test_a_json_body_with_a_lower_case_header_name_is_read_as_json(owner: Runtime) -> None:
    # When the header comes as HTTP/2 clients send it (lower case), declaring a form
    response = owner.invoke("POST", "/auth/login",
                            headers={"content-type": "application/x-www-form-urlencoded"},
                            body=LOGIN)

    # Then the body is still read as JSON
    assert response.status == 200


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/x-www-form-urlencoded", "login=admin&password=" + OWNER_PASSWORD),
    ("application/json", '{"login": "admin", "password": '),
    ("text/plain", "not json"),
    (None, "{'login': 'admin'}"),
])
def test_a_body_that_is_not_json_is_a_validation_problem(owner: Runtime, content_type: str | None,
                                                         body: str) -> None:
    # Given a body that is not JSON (a real form post included: bodies are JSON)
    headers = {"Content-Type": content_type} if content_type else {}

    # When it is posted
    response = owner.invoke("POST", "/auth/login", headers=headers, body=body)

    # Then it is 422 validation_failed naming the body, as a problem document
    assert response.status == 422
    assert response.header("Content-Type") == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert problem["errors"] == [{"field": "body", "message": "The body is not valid JSON"}]


@pytest.mark.parametrize("body", ["null", "[]", "[1, 2]", "1", '"text"', "true", "{}"])
def test_json_that_is_not_an_object_of_the_right_fields_is_422(owner: Runtime,
                                                               body: str) -> None:
    # When the body is JSON but not the object the route takes
    response = owner.invoke("POST", "/auth/login",
                            headers={"Content-Type": "application/json"}, body=body)

    # Then it is a 422 validation_failed problem, never a 5xx
    assert response.status == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"]


def test_a_route_without_a_body_ignores_the_declared_type(owner: Runtime) -> None:
    # Given a signed-in owner
    token = owner.invoke("POST", "/auth/login", body=json.loads(LOGIN)).json()["accessToken"]

    # When GET /me comes with a form Content-Type and no body
    response = owner.invoke("GET", "/me", headers={
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/x-www-form-urlencoded"})

    # Then it is answered as usual
    assert response.status == 200 and response.json()["account"] == "admin"
