"""Provisioning tokens and the SCIM authorizer's decision, on the fakes: the token kept
as its keyed digest only, found in one read, refused when revoked, expired, presented
from outside its CIDRs or not a provisioning token; the caller it grants; ``lastUsedAt``
written at most once a minute; a provisioning token refused by the main authorizer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from roster import clock, codes
from roster.authorization import Actor
from roster.errors import Forbidden, IpNotAllowed, NotFound, Unauthorized, ValidationFailed
from roster.models.provisioning import NewProvisioningToken
from roster.permissions import PROVISIONING_PERMISSIONS
from roster.services import authorizer, provisioning, scim_authorizer
from support.fakes import Fakes

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SPC = "/scim/v2/ServiceProviderConfig"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    moment = [NOW]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    return moment


def make(admin: Actor, **options: object) -> NewProvisioningToken:
    settings: dict[str, object] = {"name": "Entra", "expires_at": None, "allowed_cidrs": []}
    return provisioning.create_token(admin, **{**settings, **options})  # type: ignore[arg-type]


def decide(token: str, *, method: str = "GET", path: str = SPC,
           source_ip: str = "203.0.113.9") -> scim_authorizer.Decision:
    return scim_authorizer.decide(f"Bearer {token}", method, path, source_ip)


def test_the_token_is_stored_as_its_keyed_digest_only(fakes: Fakes, admin: Actor) -> None:
    created = make(admin, name="  Entra  ")
    [record] = fakes.world.provisioning_tokens.values()
    assert record.digest == codes.digest(created.token, purpose=provisioning.DIGEST_PURPOSE)
    assert created.token not in record.model_dump_json()
    assert (record.name, record.createdBy) == ("Entra", admin.id)
    [event] = fakes.world.audit
    assert (event.action, event.actorId) == ("provisioning_token.created", admin.id)
    assert created.token not in event.model_dump_json()


def test_only_a_holder_of_every_permission_a_token_acts_with_may_mint_one(
        fakes: Fakes) -> None:
    # Given a custom role that carries provisioning:manage and nothing else
    integrator = Actor("bob", frozenset({"provisioning:manage"}))
    # Then its holder mints no token (it would act with agents:write, delete, credentials)
    with pytest.raises(Forbidden):
        make(integrator)
    assert fakes.world.provisioning_tokens == {}
    make(Actor("carol", frozenset({"provisioning:manage", *PROVISIONING_PERMISSIONS})))
    assert len(fakes.world.provisioning_tokens) == 1


def test_two_tokens_differ(fakes: Fakes, admin: Actor) -> None:
    assert make(admin).token != make(admin).token


def test_a_token_already_expired_is_refused(fakes: Fakes, admin: Actor) -> None:
    with pytest.raises(ValidationFailed):
        make(admin, expires_at=NOW)
    assert fakes.world.provisioning_tokens == {}


def test_the_right_token_is_the_provisioning_caller_with_the_agents_permissions(
        fakes: Fakes, admin: Actor) -> None:
    created = make(admin)
    decision = decide(created.token)
    assert decision.allow
    assert decision.agent_id == f"provisioning:{created.id}"
    assert decision.permissions == PROVISIONING_PERMISSIONS
    assert decision.context()["agentId"] == f"provisioning:{created.id}"
    assert fakes.world.provisioning_token_reads == 1  # one read finds it


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Basic cnN0cF94", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
    "Bearer rstp_" + "A" * 43, "Bearer rstp_" + "A" * 200,
])
def test_anything_but_a_live_provisioning_token_is_401(fakes: Fakes, admin: Actor,
                                                       authorization: str | None) -> None:
    make(admin)
    with pytest.raises(Unauthorized):
        scim_authorizer.decide(authorization, "GET", SPC, "203.0.113.9")


def test_a_revoked_token_is_401_on_its_next_request(fakes: Fakes, admin: Actor) -> None:
    created = make(admin)
    assert decide(created.token).allow
    provisioning.revoke_token(admin, created.id)
    with pytest.raises(Unauthorized):
        decide(created.token)
    assert [event.action for event in fakes.world.audit][-1] == "provisioning_token.revoked"
    with pytest.raises(NotFound):
        provisioning.revoke_token(admin, created.id)


def test_an_expired_token_is_401(fakes: Fakes, admin: Actor, frozen: list[datetime]) -> None:
    created = make(admin, expires_at=NOW + timedelta(hours=1))
    frozen[0] = NOW + timedelta(minutes=59)
    assert decide(created.token).allow
    frozen[0] = NOW + timedelta(hours=1)
    with pytest.raises(Unauthorized):
        decide(created.token)


def test_outside_its_cidrs_the_token_is_denied_naming_why(fakes: Fakes, admin: Actor) -> None:
    created = make(admin, allowed_cidrs=["198.51.100.0/24"])
    assert decide(created.token, source_ip="198.51.100.7").allow
    denied = decide(created.token, source_ip="203.0.113.9")
    assert not denied.allow and isinstance(denied.refusal, IpNotAllowed)
    assert denied.context()["code"] == "ip_not_allowed"
    assert not decide(created.token, source_ip="not an address").allow


def test_a_route_outside_scim_is_denied_to_a_token(fakes: Fakes, admin: Actor) -> None:
    created = make(admin)
    assert not decide(created.token, path="/agents").allow
    assert not decide(created.token, path="/scim/v2/Nowhere").allow  # undeclared
    # a method a SCIM path does not serve reaches its ANY event (the function's 405)
    assert decide(created.token, method="DELETE", path=SPC).allow


def test_a_token_in_use_outlives_key_rotations(fakes: Fakes, admin: Actor,
                                               digest_keys: dict[str, bytes]) -> None:
    created = make(admin)

    def rotate(new_key: bytes) -> None:
        digest_keys[codes.PREVIOUS] = digest_keys[codes.CURRENT]
        digest_keys[codes.CURRENT] = new_key
        codes.forget_keys()

    rotate(b"second-digest-key")
    # Found under the previous key in the one read (both digests), then moved to the
    # current key's digest
    assert decide(created.token).allow
    assert fakes.world.provisioning_token_reads == 1
    current = codes.digest(created.token, purpose=provisioning.DIGEST_PURPOSE)
    assert list(fakes.world.provisioning_tokens) == [current]
    # So a second rotation does not retire it
    rotate(b"third-digest-key")
    assert decide(created.token).allow
    # An unused token is not moved: two rotations retire it (docs/operations.md)
    unused = make(admin)
    rotate(b"fourth-digest-key")
    rotate(b"fifth-digest-key")
    with pytest.raises(Unauthorized):
        decide(unused.token)


def test_last_used_is_written_once_a_minute_not_per_request(
        fakes: Fakes, admin: Actor, frozen: list[datetime]) -> None:
    created = make(admin)
    for seconds in (0, 10, 59):
        frozen[0] = NOW + timedelta(seconds=seconds)
        decide(created.token)
    assert fakes.world.provisioning_token_writes == 1
    frozen[0] = NOW + timedelta(seconds=61)
    decide(created.token)
    assert fakes.world.provisioning_token_writes == 2
    [listed] = provisioning.list_tokens(limit=10, page_cursor=None).items
    assert listed.lastUsedAt == clock.iso(NOW + timedelta(seconds=61))


def test_the_main_authorizer_refuses_a_provisioning_token(fakes: Fakes, admin: Actor) -> None:
    created = make(admin)
    with pytest.raises(Unauthorized):
        authorizer.decide(f"Bearer {created.token}", "GET", "/me", "203.0.113.9")
    assert fakes.world.provisioning_token_reads == 0
