"""Password hashing, one-time codes and digests: the primitives every credential uses."""

from __future__ import annotations

import string

import pytest
from roster import codes, passwords
from roster.password_policy import violations


def test_password_hash_is_argon2id_with_owasp_minimum_parameters() -> None:
    # Given a password, When it is hashed
    stored = passwords.hash_password("correct horse battery staple")
    # Then the hash is argon2id with m=19 MiB, t=2, p=1 (OWASP Password Storage)
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert "correct horse" not in stored


def test_verify_accepts_the_password_and_rejects_others() -> None:
    stored = passwords.hash_password("S3cure-enough-pass")
    assert passwords.verify_password(stored, "S3cure-enough-pass")
    assert not passwords.verify_password(stored, "S3cure-enough-pasS")
    assert not passwords.verify_password("not-a-hash", "S3cure-enough-pass")


def test_no_stored_hash_never_verifies_but_still_does_the_work() -> None:
    # Given an unknown login (no hash), When any password is checked
    # Then it fails (and a dummy hash was verified, so timing matches a wrong password)
    assert not passwords.verify_password(None, "anything")
    assert passwords._dummy_hash.cache_info().currsize == 1


def test_old_parameters_need_rehash() -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("pw"))


@pytest.mark.parametrize("attempt", range(20))
def test_generated_passwords_have_every_class_and_pass_the_policy(attempt: int) -> None:
    generated = passwords.generate_password()
    assert len(generated) == passwords.GENERATED_LENGTH
    assert any(c in string.ascii_lowercase for c in generated)
    assert any(c in string.ascii_uppercase for c in generated)
    assert any(c in string.digits for c in generated)
    assert violations(generated, account="jdoe", email="jane@example.com") == []


def test_numeric_codes_are_six_digits_and_vary() -> None:
    seen = {codes.numeric_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in seen)
    assert len(seen) > 150


def test_backup_codes_are_readable_and_normalise() -> None:
    code = codes.backup_code()
    assert len(code) == 11 and code[5] == "-"
    assert set(code.replace("-", "")) <= set(codes.BACKUP_CODE_ALPHABET)
    assert codes.normalise_backup_code(code.lower()) == code.replace("-", "")


def test_digests_are_bound_to_their_purpose_and_compared_exactly() -> None:
    secret = codes.opaque_token()
    stored = codes.digest(secret, purpose="refresh-token")
    assert secret not in stored
    assert codes.matches(stored, secret, purpose="refresh-token")
    assert not codes.matches(stored, secret, purpose="sign-in-challenge")
    assert not codes.matches(stored, secret + "x", purpose="refresh-token")
    assert not codes.matches(None, secret, purpose="refresh-token")


def test_a_digest_made_for_one_purpose_matches_for_no_other() -> None:
    """Domain separation: each purpose digests under its own subkey of the one key, so a
    digest (or a code) taken from one kind of item is worth nothing for another. Fails
    when the purpose no longer enters the digest."""
    from roster.services import email_change
    from roster.services.sign_in import challenges, recovery, second_factor, sessions

    # Given every purpose the services digest for, and one secret
    purposes = [sessions.REFRESH_PURPOSE, challenges.CHALLENGE_PURPOSE,
                recovery.RECOVERY_PURPOSE, email_change.TOKEN_PURPOSE,
                f"{second_factor.BACKUP_CODE_PURPOSE}:agent-a",
                f"{second_factor.BACKUP_CODE_PURPOSE}:agent-b"]
    secret = "123456"
    # When it is digested for each
    digests = {purpose: codes.digest(secret, purpose=purpose) for purpose in purposes}
    # Then every digest differs, and each matches for its own purpose only
    assert len(set(digests.values())) == len(purposes)
    for made_for, stored in digests.items():
        assert [p for p in purposes if codes.matches(stored, secret, purpose=p)] == [made_for]


def test_the_previous_key_is_read_only_when_the_current_one_does_not_match(
        digest_keys: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """After a rotation: digests use the new key, the old key still verifies, and the
    happy path makes no extra Secrets Manager call for it."""
    # Given a digest made before a rotation and one made after it
    before = codes.digest("secret", purpose="p")
    digest_keys[codes.PREVIOUS] = digest_keys[codes.CURRENT]
    digest_keys[codes.CURRENT] = b"the rotated key"
    codes.forget_keys()
    fetched: list[str] = []
    monkeypatch.setattr(codes, "_fetch", lambda stage: fetched.append(stage) or
                        digest_keys.get(stage))
    after = codes.digest("secret", purpose="p")
    assert after != before
    # When the new digest is checked, only the current key is read
    assert codes.matches(after, "secret", purpose="p")
    assert fetched == [codes.CURRENT]
    # Then the old digest still matches through the previous key; a wrong secret neither
    assert codes.matches(before, "secret", purpose="p")
    assert codes.matches_any(["x", before], "secret", purpose="p")
    assert not codes.matches(before, "other", purpose="p")
    assert fetched == [codes.CURRENT, codes.PREVIOUS]


def test_a_cached_previous_key_never_outlives_the_current_key_it_goes_with(
        digest_keys: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """A function that cached "no previous key" shortly before a rotation must not keep
    refusing what was issued under the old key once it reads the new current one. Fails
    when the previous key's cache is not dropped with a changed current key."""
    import time

    moment = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: moment[0])
    # Given the current key cached at t, and "no previous key" cached at t + 200 s
    before = codes.digest("secret", purpose="p")
    moment[0] += 200
    assert not codes.matches(before, "other", purpose="p")
    # When the key is rotated and the current key's cache runs out (not yet the other's)
    digest_keys[codes.PREVIOUS] = digest_keys[codes.CURRENT]
    digest_keys[codes.CURRENT] = b"the rotated key"
    moment[0] += codes.KEY_CACHE_SECONDS - 100
    # Then the digest made before the rotation still matches, through the previous key
    assert codes.digest("secret", purpose="p") != before
    assert codes.matches(before, "secret", purpose="p")
