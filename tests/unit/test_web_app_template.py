"""The deployed web app in ``template.yaml`` (API.md v2 decisions, "The web app,
deployed"): a private bucket read only by the distribution, one distribution serving
``/app/*`` from it with exactly the contract's headers and everything else from the API
uncached, and the functions' public origin without a template cycle. (``cfn-lint`` and
``sam validate`` check the rest: ``make validate``.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from roster_local.template import Template

DOCUMENT = Template.load().document
RESOURCES: dict[str, Any] = DOCUMENT["Resources"]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: "
       "https://${PhotoBucket.RegionalDomainName} https://${PhotoBucket.DomainName}; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def config() -> dict[str, Any]:
    distribution: dict[str, Any] = RESOURCES["Distribution"]["Properties"]["DistributionConfig"]
    return distribution


def names_in(value: Any) -> str:
    return json.dumps(value)


def test_the_app_bucket_is_private_and_read_by_the_distribution_only() -> None:
    bucket = RESOURCES["AppBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    statements = RESOURCES["AppBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1 and allows[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allows[0]["Action"] == "s3:GetObject"
    assert "distribution/${Distribution}" in names_in(allows[0]["Condition"])
    app_origin = next(o for o in config()["Origins"] if o["Id"] == "app")
    assert app_origin["OriginAccessControlId"] == {"Fn::GetAtt": ["AppOriginAccessControl", "Id"]}
    assert app_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_the_app_is_served_at_app_with_exactly_the_contracts_headers() -> None:
    (behaviour,) = config()["CacheBehaviors"]
    assert (behaviour["PathPattern"], behaviour["TargetOriginId"]) == ("/app/*", "app")
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "AppHeadersPolicy"}
    policy = RESOURCES["AppHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert set(policy) == {"Name", "Comment", "SecurityHeadersConfig"}  # no other header
    headers = policy["SecurityHeadersConfig"]
    assert set(headers) == {"ContentSecurityPolicy", "ReferrerPolicy", "ContentTypeOptions",
                            "StrictTransportSecurity"}
    assert headers["ContentSecurityPolicy"]["ContentSecurityPolicy"] == {"Fn::Sub": CSP}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert all(header["Override"] for header in headers.values())


def test_the_api_is_everything_else_uncached_with_its_headers_query_and_cookie() -> None:
    behaviour = config()["DefaultCacheBehavior"]
    assert behaviour["TargetOriginId"] == "api"
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    # Authorization (allowed with caching disabled), Origin, the query, the /auth cookie
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH",
                                                "POST", "DELETE"}
    assert behaviour["ViewerProtocolPolicy"] == "https-only"  # never a redirected POST
    api_origin = next(o for o in config()["Origins"] if o["Id"] == "api")
    assert api_origin["OriginPath"] == "/v1"  # so the refresh cookie's Path=/auth matches


def test_extra_origins_get_cors_on_the_gateways_own_answers_too() -> None:
    policy = RESOURCES["ApiHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    condition, cors, absent = policy["CorsConfig"]["Fn::If"]
    assert condition == "HasAllowedOrigins" and absent == {"Ref": "AWS::NoValue"}
    assert cors["AccessControlAllowCredentials"] is False
    assert cors["AccessControlAllowOrigins"]["Items"] == {"Fn::Split": [",",
                                                                         {"Ref": "AllowedOrigins"}]}
    assert cors["AccessControlExposeHeaders"]["Items"] == ["ETag", "Location", "Retry-After"]
    assert cors["OriginOverride"] is False  # the functions' own CORS headers stand
    assert DOCUMENT["Globals"]["Function"]["Environment"]["Variables"][
        "ROSTER_ALLOWED_ORIGINS"] == {"Ref": "AllowedOrigins"}


def test_the_functions_learn_the_public_origin_without_naming_the_distribution() -> None:
    """No template cycle: the distribution needs the API, which needs the functions."""
    variables = DOCUMENT["Globals"]["Function"]["Environment"]["Variables"]
    functions = {name: resource for name, resource in RESOURCES.items()
                 if resource["Type"] == "AWS::Serverless::Function"}
    for value in [variables, *functions.values()]:
        assert "Distribution" not in names_in(value)
        assert "PublicOrigin\"" not in names_in(value)
    assert variables["ROSTER_PUBLIC_ORIGIN_PARAMETER"] == {
        "Fn::Sub": "/${AWS::StackName}/public-origin"}
    written = RESOURCES["PublicOrigin"]["Properties"]
    assert written["Name"] == variables["ROSTER_PUBLIC_ORIGIN_PARAMETER"]
    assert "${Distribution.DomainName}" in names_in(written["Value"])
    assert DOCUMENT["Parameters"]["VerificationUrlBase"]["Default"] == ""


@pytest.mark.parametrize("function", ["AgentsFunction", "EmailVerificationFunction"])
def test_the_functions_that_mail_links_may_read_the_public_origin(function: str) -> None:
    statements = RESOURCES[function]["Properties"]["Policies"][0]["Statement"]
    reads = [s for s in statements if s["Action"] == "ssm:GetParameter"]
    assert len(reads) == 1 and "parameter/${AWS::StackName}/public-origin" in names_in(reads)


def test_the_app_url_is_an_output() -> None:
    assert "/app/" in names_in(DOCUMENT["Outputs"]["AppUrl"]["Value"])


def test_the_photo_bucket_names_the_apps_origin_not_any() -> None:
    (rule,) = RESOURCES["PhotoBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    origins = names_in(rule["AllowedOrigins"])
    assert '"*"' not in origins
    assert "https://${PublicDomain}" in origins and "${AllowedOrigins}" in origins
