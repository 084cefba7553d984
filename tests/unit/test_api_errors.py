"""Domain errors become RFC 9457 problem documents with the contract's codes."""

from __future__ import annotations

from roster import errors
from roster.api import validation_errors
from roster.config import Settings
from roster.permissions import allows, permissions_of
from roster.routes import requirement


def test_problem_documents_carry_status_code_and_field_errors() -> None:
    problem = errors.EmailTaken(errors=[{"field": "email", "message": "in use"}]).problem()
    assert problem["status"] == 409
    assert problem["code"] == "email_taken"
    assert problem["type"].endswith("/email_taken")
    assert problem["errors"] == [{"field": "email", "message": "in use"}]


def test_extra_members_such_as_attempts_remaining_are_kept() -> None:
    problem = errors.InvalidTwoFactorCode(attemptsRemaining=3).problem()
    assert problem["status"] == 401 and problem["attemptsRemaining"] == 3


def test_every_error_code_is_snake_case_and_every_status_is_4xx() -> None:
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.RosterError)
    ]
    assert len(classes) > 30
    for cls in classes:
        assert cls.code == cls.code.lower() and " " not in cls.code
        # the one 5xx: DynamoDB busy through every retry (v2 decisions), retryable
        assert 400 <= cls.status < 500 or cls is errors.ServiceUnavailable


def test_validation_errors_name_each_field_once() -> None:
    entries = validation_errors(
        [
            {"loc": ("body", "email"), "msg": "bad email", "type": "value_error"},
            {"loc": ("body", "email"), "msg": "again", "type": "value_error"},
            {"loc": ("body", "skills", 0, "level"), "msg": "too big", "type": "less_than_equal"},
            {"loc": ("body", 12), "msg": "x", "type": "json_invalid"},
        ]
    )
    assert entries == [
        {"field": "email", "message": "bad email"},
        {"field": "skills.0.level", "message": "too big"},
        {"field": "body", "message": "The body is not valid JSON"},
    ]


def test_contract_defaults_of_every_configuration_variable() -> None:
    settings = Settings(
        table_name="t",
        kms_key_id="k",
        token_secret_id="s",
        digest_secret_id="d",
        email_sender="e@example.com",
        photo_bucket="b",
    )
    assert (
        settings.otp_ttl_seconds,
        settings.otp_max_attempts,
        settings.otp_requests_per_hour,
    ) == (600, 5, 5)
    assert settings.two_factor_max_failures == 5
    assert (settings.password_max_failures, settings.password_lockout_seconds) == (10, 900)
    assert settings.email_change_ttl_seconds == 86400
    assert settings.temp_password_ttl_seconds == 604800
    assert settings.backup_code_ttl_seconds == 86400
    assert settings.access_token_ttl_seconds == 900
    assert settings.password_min_length == 12
    assert settings.password_require_classes == ("lower", "upper", "digit")


def test_role_permissions_and_route_requirements() -> None:
    admin = permissions_of(["admin"], {})
    manager = permissions_of(["manager"], {})
    agent = permissions_of(["agent", "agent_test"], {})
    custom = permissions_of(["auditor"], {"auditor": ["audit:read"]})
    delete_agent = requirement("DELETE", "/agents/{id}")
    assert allows(delete_agent, admin) and not allows(delete_agent, manager)
    assert allows(requirement("POST", "/agents/{id}/unlock"), manager)
    assert not allows(requirement("GET", "/agents"), agent)
    assert allows(requirement("GET", "/me"), agent)
    assert allows(requirement("GET", "/audit"), custom)
    assert not allows(requirement("GET", "/agents"), custom)
    # a route nobody declared is denied to everyone, the owner's admin role included
    assert not allows(requirement("GET", "/undeclared"), admin)


def test_validation_messages_are_plain_sentences() -> None:
    """API.md "Consistency (v2)": no library prefix such as "Value error," in a message."""
    from roster.api import validation_errors

    entries = validation_errors([
        {"loc": ("body", "account"), "msg": "Value error, account must be 3-64 characters"},
        {"loc": ("body", "skills", 1, "level"), "msg": "Input should be less than 6"},
    ])
    assert entries == [
        {"field": "account", "message": "Account must be 3-64 characters"},
        {"field": "skills.1.level", "message": "Input should be less than 6"},
    ]
