"""One contract, two implementations: the provisioning-token store's DynamoDB adapter (on
moto) and its in-memory fake find, page, mark and revoke tokens alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from roster.errors import NotFound
from roster.models.audit import AuditEvent
from roster.models.provisioning import ProvisioningTokenRecord
from roster.ports.provisioning import ProvisioningTokenStore
from support.fakes import Fakes
from support.fakes.provisioning import MemoryProvisioningTokenStore


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[ProvisioningTokenStore]:
    if request.param == "memory":
        yield MemoryProvisioningTokenStore(Fakes().world)
        return
    request.getfixturevalue("runtime")
    from roster.repository import get_repository

    yield get_repository()


def _event(action: str) -> AuditEvent:
    return AuditEvent(actorId="admin-id", action=action, targetId=None)


def _token(n: int, **fields: object) -> ProvisioningTokenRecord:
    return ProvisioningTokenRecord.model_validate({
        "id": f"id-{n}", "name": f"token {n}", "digest": f"{n:064x}",
        "createdAt": f"2026-11-29T12:00:0{n}Z", "createdBy": "admin-id", **fields})


def test_a_token_is_found_by_any_of_its_digests_and_gone_once_revoked(
        store: ProvisioningTokenStore) -> None:
    token = _token(1, allowedCidrs=["10.0.0.0/8"], expiresAt="2027-01-01T00:00:00Z")
    store.create_provisioning_token(token, _event("provisioning_token.created"))
    assert store.find_provisioning_token(["f" * 64, token.digest]) == token
    assert store.find_provisioning_token(["f" * 64]) is None
    store.revoke_provisioning_token(token.id, _event("provisioning_token.revoked"))
    assert store.find_provisioning_token([token.digest]) is None
    with pytest.raises(NotFound):
        store.revoke_provisioning_token(token.id, _event("provisioning_token.revoked"))


def test_last_used_is_set_only_when_older_than_the_cut_off(
        store: ProvisioningTokenStore) -> None:
    token = _token(1)
    store.create_provisioning_token(token, _event("provisioning_token.created"))
    store.mark_provisioning_token_used(token.digest, at="2026-11-29T12:01:00Z",
                                       unless_since="2026-11-29T12:00:00Z")
    store.mark_provisioning_token_used(token.digest, at="2026-11-29T12:01:30Z",
                                       unless_since="2026-11-29T12:00:30Z")  # within the minute
    found = store.find_provisioning_token([token.digest])
    assert found is not None and found.lastUsedAt == "2026-11-29T12:01:00Z"
    store.mark_provisioning_token_used(token.digest, at="2026-11-29T12:02:01Z",
                                       unless_since="2026-11-29T12:01:01Z")
    found = store.find_provisioning_token([token.digest])
    assert found is not None and found.lastUsedAt == "2026-11-29T12:02:01Z"
    # a token that is gone is not written back
    store.revoke_provisioning_token(token.id, _event("provisioning_token.revoked"))
    store.mark_provisioning_token_used(token.digest, at="2026-11-29T12:09:00Z",
                                       unless_since="2026-11-29T12:08:00Z")
    assert store.find_provisioning_token([token.digest]) is None


def test_tokens_page_newest_first(store: ProvisioningTokenStore) -> None:
    for n in range(5):
        store.create_provisioning_token(_token(n), _event("provisioning_token.created"))
    seen: list[str] = []
    after: str | None = None
    while True:
        page, after = store.provisioning_token_page(limit=2, after=after)
        seen += [token.id for token in page]
        if after is None:
            break
    assert seen == [f"id-{n}" for n in reversed(range(5))]


def test_a_token_moved_to_a_new_digest_is_found_there_and_revoked_from_there(
        store: ProvisioningTokenStore) -> None:
    token = _token(1, lastUsedAt="2026-11-29T12:00:00Z")
    store.create_provisioning_token(token, _event("provisioning_token.created"))
    store.rekey_provisioning_token(token, "e" * 64)
    assert store.find_provisioning_token([token.digest]) is None
    moved = store.find_provisioning_token(["e" * 64])
    assert moved == token.model_copy(update={"digest": "e" * 64})
    # moving it again from the old digest (a request that read it before): nothing
    store.rekey_provisioning_token(token, "d" * 64)
    assert store.find_provisioning_token(["d" * 64]) is None
    assert store.find_provisioning_token(["e" * 64]) == moved
    page, _ = store.provisioning_token_page(limit=10, after=None)
    assert page == [moved]
    store.revoke_provisioning_token(token.id, _event("provisioning_token.revoked"))
    assert store.find_provisioning_token(["e" * 64]) is None


def test_a_revoke_racing_a_rekey_still_revokes_the_token(runtime: object) -> None:
    """A digest-key rotation's re-key moves the token between the revoke's read of its
    pointer and its write: the revoke reads the pointer again (never a 404 while the
    token lives on under its new digest)."""
    from roster.repository import get_repository
    from roster.repository.dynamodb import DynamoRepository

    repository = get_repository()
    token = _token(1)
    repository.create_provisioning_token(token, _event("provisioning_token.created"))
    new_digest = "e" * 64
    table_get = repository.table.get
    moved = []

    def get_then_rekey(key: dict[str, object], **options: object) -> object:
        found = table_get(key, **options)  # type: ignore[arg-type]
        if not moved:
            moved.append(True)
            DynamoRepository.rekey_provisioning_token(repository, token, new_digest)
        return found

    repository.table.get = get_then_rekey  # type: ignore[method-assign]
    try:
        repository.revoke_provisioning_token(token.id, _event("provisioning_token.revoked"))
    finally:
        repository.table.get = table_get  # type: ignore[method-assign]
    assert repository.find_provisioning_token([token.digest, new_digest]) is None
