"""The password policy (no AWS).

Rules held: NIST SP 800-63B 5.1.1.2 (a minimum length counted in Unicode code points
after normalisation, at least 64 allowed, a blocklist of common passwords, no
context-specific words such as the account name), and the contract's
``ROSTER_PASSWORD_MIN_LENGTH`` / ``ROSTER_PASSWORD_REQUIRE_CLASSES``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roster import password_policy
from roster.config import get_settings
from roster.errors import PasswordPolicy

GOOD = "Quiet-Harbour-42"


def rules(password: str, **context: str) -> list[str]:
    return [rule for rule, _ in password_policy.violations(password, **context)]


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Set policy variables for one test."""

    def configure(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"ROSTER_PASSWORD_{name.upper()}", value)
        get_settings.cache_clear()

    return configure


def test_a_good_password_passes() -> None:
    assert rules(GOOD, account="jdoe", email="jane.doe@example.com") == []


def test_length_is_counted_in_code_points_after_nfkc() -> None:
    # Given 11 characters, one of them the "ﬃ" ligature that NFKC makes three letters
    ligature = "Ab1-xyz-\ufb03q"  # NFKC: "Ab1-xyz-ffiq" = 12 code points
    assert len(ligature) == 10
    assert "min_length" not in rules(ligature)
    # And emoji count one each, not by their UTF-8 or UTF-16 length
    assert "min_length" in rules("Ab1😀😀😀😀😀😀😀😀")  # 11 code points
    assert "min_length" not in rules("Ab1😀😀😀😀😀😀😀😀😀")


def test_min_length_follows_the_setting(policy) -> None:  # type: ignore[no-untyped-def]
    policy(min_length="20")
    assert rules(GOOD) == ["min_length"]
    assert rules(GOOD + "abcd") == []


def test_max_length_is_128(policy) -> None:  # type: ignore[no-untyped-def]
    assert "max_length" not in rules("Aa1" + "x" * 125)
    assert "max_length" in rules("Aa1" + "x" * 126)


def test_required_classes_follow_the_setting(policy) -> None:  # type: ignore[no-untyped-def]
    assert rules("quiet-harbour-forty") == ["require_upper", "require_digit"]
    policy(require_classes="symbol")
    assert rules("QuietHarbourForty") == ["require_symbol"]
    policy(require_classes="")
    assert rules("quiet harbour forty") == []


def test_unknown_classes_are_refused_at_start(policy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown character classes"):
        policy(require_classes="lower,emoji")
        get_settings()


def test_the_common_list_has_at_least_ten_thousand_entries() -> None:
    assert len(password_policy.common_passwords()) >= 10_000


@pytest.mark.parametrize("password", ["Password1234", "QWERTYUIOP12", "Summer2024!!!",
                                      "!!Iloveyou123", "Football-2026"])
def test_common_passwords_and_padded_common_words_are_refused(password: str) -> None:
    assert "common" in rules(password)


def test_a_short_common_core_is_not_a_common_password() -> None:
    # "abc" is on the list but too short to make "abc" + 20 random characters common
    assert "common" not in rules("12345678901234567abc!!")


def test_account_and_email_local_part_are_refused_ignoring_case() -> None:
    assert rules("My-JDOE-Secret-9", account="jdoe") == ["contains_account"]
    assert rules("Jane.Doe-Secret-9", email="jane.doe@example.com") == ["contains_email"]
    # Accounts and local parts shorter than 3 characters would forbid too much
    assert rules(GOOD, account="qu", email="ha@example.com") == []


def test_invalid_unicode_is_refused_not_crashed_on() -> None:
    assert rules("Abc-123-\ud800-xyz") == ["invalid_characters"]


def test_the_problem_names_every_failed_rule_for_its_field() -> None:
    with pytest.raises(PasswordPolicy) as raised:
        password_policy.check("jdoe", account="jdoe", field="newPassword")
    problem = raised.value.problem()
    assert problem["status"] == 422 and problem["code"] == "password_policy"
    assert [e["rule"] for e in problem["errors"]] == [
        "min_length", "require_upper", "require_digit", "contains_account"]
    assert {e["field"] for e in problem["errors"]} == {"newPassword"}
    assert all(e["message"] for e in problem["errors"])


# ---------------------------------------------------------------------- properties
CLASS_SETS = st.lists(st.sampled_from(["lower", "upper", "digit", "symbol"]), unique=True)
IDENTIFIER = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=3,
                     max_size=20)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(min_length=st.integers(8, 128), classes=CLASS_SETS, account=IDENTIFIER,
       local=IDENTIFIER)
def test_generated_passwords_always_pass(policy, min_length: int,  # type: ignore[no-untyped-def]
                                         classes: list[str], account: str,
                                         local: str) -> None:
    """Generated passwords pass the policy whatever its settings and the agent."""
    policy(min_length=str(min_length), require_classes=",".join(classes))
    generated = password_policy.generate(account=account, email=f"{local}@example.com")
    assert password_policy.violations(generated, account=account,
                                      email=f"{local}@example.com") == []
    assert min_length <= len(generated) <= password_policy.MAX_LENGTH


@settings(max_examples=200, deadline=None)
@given(password=st.text(max_size=40), extra=st.text(alphabet=st.characters(
    min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20))
def test_adding_characters_never_makes_a_password_too_short(password: str,
                                                             extra: str) -> None:
    before = rules(password)
    after = rules(password + extra)
    if "invalid_characters" in before:
        return
    if "min_length" not in before:
        assert "min_length" not in after


@settings(max_examples=200, deadline=None)
@given(password=st.text(max_size=40))
def test_violations_match_the_problem(password: str) -> None:
    """``check`` raises exactly when ``violations`` is not empty, naming the same rules."""
    failed = rules(password)
    try:
        password_policy.check(password)
    except PasswordPolicy as error:
        assert [e["rule"] for e in error.errors] == failed
    else:
        assert failed == []


@settings(max_examples=200, deadline=None)
@given(account=IDENTIFIER, before=st.text(max_size=10), after=st.text(max_size=10),
       upper=st.booleans())
def test_a_password_holding_the_account_always_fails(account: str, before: str,
                                                     after: str, upper: bool) -> None:
    password = before + (account.upper() if upper else account) + after
    if "invalid_characters" in rules(password):
        return
    assert "contains_account" in rules(password, account=account)
