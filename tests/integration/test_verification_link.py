"""The verification link (API.md v2 decisions, "The web app, deployed"): the app's
verify page, built only from ``VerificationUrlBase`` or the stack's public origin (a
custom domain, or the SSM parameter written once the distribution exists), never from
anything a request carries (its ``Host``, ``X-Forwarded-Host``...)."""

from __future__ import annotations

import boto3
import pytest
from roster_local import Runtime
from support.agents import AGENT_PASSWORD, make_agent
from support.api import access_token, bearer
from support.mail import emails_to

NEW_ADDRESS = "jane.new@example.com"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-Proto": "http", "Forwarded": "host=evil.example;proto=http",
          "Origin": "https://evil.example"}


def mailed_link(runtime: Runtime) -> str:
    """Ask for an email change with forged host headers; the link mailed to the new
    address."""
    make_agent("jdoe")
    token = access_token(runtime, "jdoe", AGENT_PASSWORD)
    changed = runtime.invoke("PATCH", "/me", headers={**bearer(token), **FORGED},
                             body={"email": NEW_ADDRESS, "currentPassword": AGENT_PASSWORD})
    assert changed.status == 200, changed.json()
    runtime.pump_streams()
    words = [word for mail in emails_to(runtime, NEW_ADDRESS)
             for word in str(mail["body"]).split() if "?token=" in word]
    assert len(words) == 1, emails_to(runtime, NEW_ADDRESS)
    assert "evil" not in words[0]
    return words[0].split("?token=", 1)[0]


def test_locally_the_link_is_the_apps_page_on_the_local_server(runtime: Runtime) -> None:
    assert mailed_link(runtime) == "http://127.0.0.1:3000/app/verify-email"


def test_a_configured_base_is_used_as_given(aws: None) -> None:
    runtime = Runtime(parameters={
        "VerificationUrlBase": "https://portal.example.com/verify"}).provision()
    assert mailed_link(runtime) == "https://portal.example.com/verify"


def test_without_a_base_the_custom_domain_serves_the_apps_page(aws: None) -> None:
    runtime = Runtime(parameters={
        "VerificationUrlBase": "", "PublicDomain": "roster.example.com",
        "PublicCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-1"},
    ).provision()
    assert mailed_link(runtime) == "https://roster.example.com/app/verify-email"


def test_without_a_base_or_domain_the_distributions_address_comes_from_ssm(
        aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stack without a custom domain: the parameter the stack writes once the
    # distribution exists (the local stack has no distribution: written here)
    runtime = Runtime(parameters={"VerificationUrlBase": ""}).provision()
    name = runtime.environment["ROSTER_PUBLIC_ORIGIN_PARAMETER"]
    assert name == "/roster-local/public-origin"
    assert runtime.environment["ROSTER_PUBLIC_ORIGIN"] == ""
    boto3.client("ssm").put_parameter(Name=name, Type="String",
                                      Value="https://d111111abcdef8.cloudfront.net")
    assert mailed_link(runtime) == "https://d111111abcdef8.cloudfront.net/app/verify-email"
