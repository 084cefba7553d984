"""CORS for the extra origins of ``AllowedOrigins`` (API.md v2 decisions, "The web app,
deployed"), through the emulated stack: exact match, no credentials, ``ETag``,
``Location`` and ``Retry-After`` exposed, a public preflight on every route's path, API
Gateway's own answers included; an origin not listed gets no CORS header at all."""

from __future__ import annotations

import pytest
from roster import routes
from roster.config import Settings
from roster_local import LocalResponse, Runtime
from support.agents import AGENT_PASSWORD, make_agent
from support.api import bearer, sign_in

ADMIN_TOOL = "https://admin.example.com"
DEV_SERVER = "http://localhost:5173"
NOT_LISTED = ["https://evil.example", "https://admin.example.com.evil.example",
              "https://admin.example.com/", "http://admin.example.com",
              "https://ADMIN.example.com", "null"]
# The browser-facing API's paths (SCIM's clients are identity providers' servers).
PATHS = sorted({route.path for route in routes.ROUTES if route.api == "rest"})


@pytest.fixture
def cors_runtime(aws: None) -> Runtime:
    return Runtime(parameters={"AllowedOrigins": f"{ADMIN_TOOL},{DEV_SERVER}"}).provision()


def cors_headers(response: LocalResponse) -> dict[str, str]:
    return {name: value for name, value in response.headers.items()
            if name.lower().startswith("access-control-")}


def preflight(runtime: Runtime, path: str, origin: str, method: str) -> LocalResponse:
    return runtime.invoke("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type"})


def concrete(path: str) -> str:
    return path.replace("{id}", "jdoe").replace("{kind}", "chat").replace("{ref}", "x")


@pytest.mark.parametrize("path", PATHS)
def test_every_routes_path_answers_a_preflight_without_a_token(cors_runtime: Runtime,
                                                               path: str) -> None:
    # Given a preflight from a listed origin, with no Authorization (browsers send none)
    methods = sorted({route.method for route in routes.ROUTES if route.path == path})
    response = preflight(cors_runtime, concrete(path), ADMIN_TOOL, methods[0])
    # Then it is answered, before any authorizer, with the path's methods
    assert response.status == 204, response.text
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": ADMIN_TOOL,
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match, Idempotency-Key",
        "Access-Control-Max-Age": "600",
    }
    assert response.header("Vary") == "Origin"


@pytest.mark.parametrize("origin", NOT_LISTED)
def test_an_origin_not_listed_gets_no_cors_header(cors_runtime: Runtime, origin: str) -> None:
    make_agent("jdoe")
    token = sign_in(cors_runtime, "jdoe", AGENT_PASSWORD)["accessToken"]
    answers = [
        preflight(cors_runtime, "/me", origin, "GET"),
        cors_runtime.invoke("GET", "/me", headers={**bearer(token), "Origin": origin}),
        cors_runtime.invoke("GET", "/me", headers={"Origin": origin}),  # the gateway's 401
        cors_runtime.invoke("GET", "/openapi.json", headers={"Origin": origin}),
    ]
    assert [cors_headers(answer) for answer in answers] == [{}, {}, {}, {}]


def test_a_preflight_lists_only_the_paths_own_methods(cors_runtime: Runtime) -> None:
    # A method the path lacks is not in the list: the browser refuses to send it
    response = preflight(cors_runtime, "/me", ADMIN_TOOL, "DELETE")
    assert response.status == 204
    assert response.header("Access-Control-Allow-Methods") == "GET, PATCH"


@pytest.mark.parametrize("origin", [ADMIN_TOOL, DEV_SERVER])
def test_a_listed_origin_reads_answers_and_their_headers(cors_runtime: Runtime,
                                                         origin: str) -> None:
    make_agent("jdoe")
    token = sign_in(cors_runtime, "jdoe", AGENT_PASSWORD)["accessToken"]
    me = cors_runtime.invoke("GET", "/me", headers={**bearer(token), "Origin": origin})
    assert me.status == 200 and me.header("ETag")
    assert cors_headers(me) == {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "ETag, Location, Retry-After"}
    assert me.header("Vary") == "Origin"
    # And no credentials are ever allowed (the refresh cookie stays same-site)
    assert me.header("Access-Control-Allow-Credentials") is None


def test_problems_and_the_gateways_own_answers_carry_cors_for_a_listed_origin(
        cors_runtime: Runtime) -> None:
    origin = {"Origin": ADMIN_TOOL}
    answers = {
        "function problem": cors_runtime.invoke(
            "POST", "/auth/login", headers=origin, body={"login": "nobody", "password": "x"}),
        "gateway 401": cors_runtime.invoke("GET", "/agents", headers=origin),
        "gateway 404": cors_runtime.invoke("GET", "/no/such/route", headers=origin),
        "openapi": cors_runtime.invoke("GET", "/openapi.json", headers=origin),
    }
    assert {name: (answer.status, answer.header("Access-Control-Allow-Origin"))
            for name, answer in answers.items()} == {
        "function problem": (401, ADMIN_TOOL), "gateway 401": (401, ADMIN_TOOL),
        "gateway 404": (404, ADMIN_TOOL), "openapi": (200, ADMIN_TOOL)}
    assert answers["gateway 401"].header("Access-Control-Expose-Headers") == (
        "ETag, Location, Retry-After")


def test_without_allowed_origins_nothing_is_cors(runtime: Runtime) -> None:
    # Given the default stack (AllowedOrigins empty): the app shares the API's origin
    answers = [
        preflight(runtime, "/me", ADMIN_TOOL, "GET"),
        runtime.invoke("GET", "/me", headers={"Origin": ADMIN_TOOL}),
        runtime.invoke("POST", "/auth/login", headers={"Origin": ADMIN_TOOL},
                       body={"login": "nobody", "password": "x"}),
    ]
    assert [cors_headers(answer) for answer in answers] == [{}, {}, {}]
    assert answers[2].header("Vary") is None


@pytest.mark.parametrize("listed", ["*", "https://*.example.com", "https://a.example/",
                                    "https://a.example/app", "a.example",
                                    "https://a.example,https://b.example/"])
def test_allowed_origins_must_be_exact_origins(listed: str) -> None:
    with pytest.raises(ValueError, match="not origins"):
        Settings(table_name="t", kms_key_id="k", token_secret_id="s", digest_secret_id="d",
                 email_sender="e@example.com", photo_bucket="p", allowed_origins=listed)
