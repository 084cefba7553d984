"""Email changes, cleanup and notifier logic that needs no AWS: tokens, links, templates,
failure classification, expiry on read, index entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from roster import aws, clock, messages, wiring
from roster.adapters.sender import AwsSender
from roster.adapters.site import DeployedSite
from roster.config import get_settings
from roster.errors import InvalidVerificationToken
from roster.models.agent import Agent, AgentRecord, PendingEmail
from roster.ports.site import site
from roster.repository import keys
from roster.repository.cleanup import expired
from roster.repository.email_change import expiring
from roster.services import email_change, notifications
from roster.templates import email_change as email_change_templates
from support.fakes.site import FixedSite

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
AGENT_ID = "8eae6575-4e25-4711-bdf0-6453a351447b"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def record(pending: PendingEmail | None = None) -> AgentRecord:
    stamp = clock.iso(NOW)
    return AgentRecord(id=AGENT_ID, account="jdoe", email="jane@example.com",
                       pendingEmail=pending, firstName="Jane", alias="Jane Doe",
                       createdAt=stamp, updatedAt=stamp)


def test_masked_address_keeps_first_letter_and_domain_only() -> None:
    # Given an address, When it is masked for the other mailbox
    # Then only its first letter and domain show
    assert email_change.mask_email("jane.doe@example.com") == "j***@example.com"
    assert email_change.mask_email("x@b.no") == "x***@b.no"


def test_link_carries_agent_id_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the stack's verification base URL
    monkeypatch.setenv("ROSTER_VERIFICATION_URL_BASE", "https://portal.example.com/verify")
    get_settings.cache_clear()
    # When a link is built Then it is <base>?token=<agentId>.<secret>
    assert (email_change.verification_link(AGENT_ID, "s3cr3t")
            == f"https://portal.example.com/verify?token={AGENT_ID}.s3cr3t")
    # And a base that already has a query gets the token appended with &
    monkeypatch.setenv("ROSTER_VERIFICATION_URL_BASE", "https://p.example.com/v?lang=nb")
    get_settings.cache_clear()
    assert email_change.verification_link(AGENT_ID, "x").endswith(f"?lang=nb&token={AGENT_ID}.x")


def test_without_a_base_the_link_is_the_apps_page_on_the_public_origin(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no VerificationUrlBase, and the site the stack is served from
    monkeypatch.setenv("ROSTER_VERIFICATION_URL_BASE", "")
    get_settings.cache_clear()
    site.bind(lambda: FixedSite("https://roster.example.com"))
    try:
        # Then the link is the web app's verify page there
        assert (email_change.verification_link(AGENT_ID, "s3cr3t")
                == f"https://roster.example.com/app/verify-email?token={AGENT_ID}.s3cr3t")
    finally:
        wiring.install()


def test_a_deployed_site_without_any_origin_refuses_to_guess(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_PUBLIC_ORIGIN", "")
    monkeypatch.setenv("ROSTER_PUBLIC_ORIGIN_PARAMETER", "")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="no page to point at"):
        DeployedSite().public_origin()
    monkeypatch.setenv("ROSTER_PUBLIC_ORIGIN", "https://roster.example.com/")
    get_settings.cache_clear()
    assert DeployedSite().public_origin() == "https://roster.example.com"


@pytest.mark.parametrize("token", [
    "", " ", "nonsense", AGENT_ID, f"{AGENT_ID}.", f".{'a' * 43}",
    f"{AGENT_ID}.{'a' * 42}", f"{AGENT_ID}.{'a' * 44}", f"{AGENT_ID}.{'a' * 42}=",
    f"{AGENT_ID.upper()}.{'a' * 43}", f"not-a-uuid.{'a' * 43}", "x" * 100_000,
    f"{AGENT_ID}.{'a' * 43}\x00", "../../etc/passwd", "%00", "🙂" * 10,
])
def test_malformed_tokens_are_invalid_before_any_lookup(token: str) -> None:
    # Given a token that cannot be one of ours (unit tests have no AWS: a lookup would fail)
    # When it is verified Then the answer is 400 invalid_token
    with pytest.raises(InvalidVerificationToken) as raised:
        email_change.verify(token)
    assert raised.value.status == 400 and raised.value.code == "invalid_token"


def test_a_pending_change_is_live_until_it_expires() -> None:
    # Given pending changes around the current instant
    later = PendingEmail(email="n@example.com", expiresAt=clock.iso(NOW + timedelta(seconds=1)))
    now = PendingEmail(email="n@example.com", expiresAt=clock.iso(NOW))
    # Then one that expires later is live, one that expires now is not
    assert email_change.is_live(later)
    assert not email_change.is_live(now)
    assert not email_change.is_live(None)


def test_resource_hides_an_expired_pending_email_the_cleanup_has_not_removed_yet() -> None:
    # Given a profile whose pending change expired a second ago
    expired = PendingEmail(email="n@example.com", expiresAt=clock.iso(NOW - timedelta(seconds=1)))
    live = PendingEmail(email="n@example.com", expiresAt=clock.iso(NOW + timedelta(hours=1)))
    # When the resource is built Then the expired one reads as null, a live one shows
    assert Agent.from_record(record(expired)).pendingEmail is None
    assert Agent.from_record(record(live)).pendingEmail == live


def test_expiring_attributes_put_an_item_in_the_sparse_index_and_under_ttl() -> None:
    # Given an expiry, When the attributes are built
    attributes = expiring("2026-11-24T12:00:00Z")
    # Then they name the index's bucket, the sortable time and the TTL epoch
    assert attributes == {"expiryBucket": keys.EXPIRY_BUCKET, "expiresAt": "2026-11-24T12:00:00Z",
                          "ttl": int(datetime(2026, 11, 24, 12, tzinfo=UTC).timestamp())}


def test_index_entries_know_a_pending_email_change_from_other_items() -> None:
    # Given index entries for a token item and for other expiring items
    change = expired(keys.email_change(AGENT_ID), "2026-01-01T00:00:00Z")
    session = expired(keys.session(AGENT_ID, "s1"), "2026-01-01T00:00:00Z")
    challenge = expired(keys.challenge("d"), "2026-01-01T00:00:00Z")
    # Then only the token item is an email change, and it names its agent
    assert change.email_change_of == AGENT_ID
    assert session.email_change_of is None
    assert challenge.email_change_of is None


@pytest.mark.parametrize("template", sorted(email_change_templates.TEMPLATES))
@pytest.mark.parametrize("language", ["en", "nb", "nb-NO", "fr"])
def test_every_email_change_template_renders_in_every_language(template: str,
                                                                language: str) -> None:
    # Given every field the templates may use
    values = {"firstName": "Jane", "account": "jdoe", "expiresAt": "2026-11-24T12:00:00Z",
              "maskedOldEmail": "j***@example.com", "maskedNewEmail": "n***@example.com",
              "link": "https://x.example.com/verify?token=abc"}
    # When the template is rendered (unknown languages fall back to English)
    subject, body, _ = messages.render(template, language, values)
    # Then subject and body are filled in, with no placeholder left over
    assert subject and "{" not in subject and "{" not in body
    assert "Jane" in body and "jdoe" in body
    if template == "email_change.verify":
        assert values["link"] in body
    expected = "nb" if language.startswith("nb") else "en"
    assert subject == email_change_templates.TEMPLATES[template][expected].subject


def test_norwegian_templates_differ_from_english() -> None:
    for variants in email_change_templates.TEMPLATES.values():
        assert variants["nb"].subject != variants["en"].subject
        assert variants["nb"].body != variants["en"].body


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "SendEmail")


@pytest.mark.parametrize(("error", "transient"), [
    (_client_error("TooManyRequestsException", 429), True),
    (_client_error("Throttling", 400), True),
    (_client_error("ThrottledException", 400), True),
    (_client_error("KMSThrottlingException", 400), True),
    (_client_error("InternalFailure", 500), True),
    (_client_error("Whatever", 503), True),
    (EndpointConnectionError(endpoint_url="https://email.example"), True),
    (_client_error("MessageRejected", 400), False),
    (_client_error("InvalidParameter", 400), False),
    (_client_error("BadRequestException", 400), False),
    (KeyError("link"), False),
])
def test_failures_are_classified_as_worth_retrying_or_not(error: Exception,
                                                          transient: bool) -> None:
    # Given a send failure, Then throttling/5xx/connection problems are transient
    # and rejections or rendering errors are permanent
    assert AwsSender().is_transient(error) is transient


def test_a_permanent_failure_is_never_retried() -> None:
    # Given a message the notifier itself finds unsendable (no sender is asked)
    # Then it is not worth retrying
    assert notifications.is_transient(notifications.PermanentFailure("unknown channel")) is False


def test_senders_retry_in_standard_mode_with_five_attempts() -> None:
    # Given the SES and SNS clients of the notifier
    aws.reset_clients()
    try:
        for client in (aws.ses(), aws.sns()):
            # Then they retry throttling and transient errors with backoff, 5 attempts
            assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}
        # And the table client keeps the SDK default
        assert aws.dynamodb().meta.config.retries.get("total_max_attempts") != 5
    finally:
        aws.reset_clients()
