"""``roster_local.moto_tuning``: the shortcuts the tests and the bench take in moto must not
change what DynamoDB would do — above all, a cancelled transaction leaves the table
exactly as it was, though only the items it names are saved for the rollback."""

from __future__ import annotations

from typing import Any

import pytest
from roster.errors import EmailTaken
from roster.repository import get_repository
from roster.repository.table import Expression, Table, check, delete, put, put_new, serialize
from roster.repository.table import update as update_op
from roster_local.moto_tuning import backend_table, seed_items, trim_stream
from roster_local.runtime import Runtime
from support.agents import OWNER_PASSWORD
from support.api import access_token, bearer, sign_in


def table() -> Table:
    return get_repository().table


def state() -> tuple[list[dict[str, Any]], int]:
    """Every item of moto's table (indexes derive from them) and the stream's length."""
    moto_table = backend_table(table().name)
    items = [item.to_json() for item in moto_table.all_items()]
    return items, len(moto_table.stream_shard.items)


def given_items() -> None:
    table().batch_write(puts=[
        {"pk": "T#a", "sk": "A", "value": 1, "gsi1pk": "T#LIST", "gsi1sk": "a"},
        {"pk": "T#c", "sk": "C", "value": 3},
        {"pk": "T#d", "sk": "D", "value": 4},
    ])


def test_a_put_new_guard_cancels_the_writes_before_it(runtime: Runtime) -> None:
    # Given three items
    given_items()
    before = state()
    # When a transaction updates one, puts a new one, deletes one, and then its put_new
    # guard fails (the item exists)
    with pytest.raises(EmailTaken):
        table().transact([
            update_op({"pk": "T#a", "sk": "A"}, "SET #v = :v, gsi1sk = :s",
                      names={"#v": "value"}, values={":v": 10, ":s": "z"}),
            put({"pk": "T#b", "sk": "B", "value": 2}),
            delete({"pk": "T#c", "sk": "C"}),
            put_new({"pk": "T#d", "sk": "D", "value": 40}, on_condition_failure=EmailTaken()),
        ])
    # Then every item (index keys included) and the stream are exactly as before
    assert state() == before
    assert table().get({"pk": "T#b", "sk": "B"}) is None
    listed, _ = table().query(Expression("gsi1pk = :p", values={":p": "T#LIST"}), index="gsi1")
    assert [item["gsi1sk"] for item in listed] == ["a"]


def test_a_failed_check_at_the_end_cancels_too(runtime: Runtime) -> None:
    # Given three items
    given_items()
    before = state()
    # When a transaction writes an item twice over... and a closing check fails
    with pytest.raises(EmailTaken):
        table().transact([
            put({"pk": "T#a", "sk": "A", "value": 100}),
            put({"pk": "T#e", "sk": "E", "value": 5}),
            check({"pk": "T#c", "sk": "C"}, "#v = :v", names={"#v": "value"},
                  values={":v": 999}, on_condition_failure=EmailTaken()),
        ])
    # Then nothing changed
    assert state() == before


def test_a_transaction_that_succeeds_keeps_every_write(runtime: Runtime) -> None:
    # Given three items
    given_items()
    _, stream_before = state()
    # When a transaction updates, puts and deletes
    table().transact([
        update_op({"pk": "T#a", "sk": "A"}, "SET #v = :v", names={"#v": "value"},
                  values={":v": 10}),
        put_new({"pk": "T#b", "sk": "B", "value": 2}),
        delete({"pk": "T#c", "sk": "C"}),
    ])
    # Then all three writes are there, with a stream record each
    assert table().get({"pk": "T#a", "sk": "A"}) == {
        "pk": "T#a", "sk": "A", "value": 10, "gsi1pk": "T#LIST", "gsi1sk": "a"}
    assert table().get({"pk": "T#b", "sk": "B"}) == {"pk": "T#b", "sk": "B", "value": 2}
    assert table().get({"pk": "T#c", "sk": "C"}) is None
    assert state()[1] == stream_before + 3


def test_no_whole_table_is_copied(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a table that cannot be deep-copied
    from moto.dynamodb.models.table import Table as MotoTable

    given_items()
    before = state()

    def refuse(self: Any, memo: Any) -> Any:
        raise AssertionError("a whole table was copied")

    monkeypatch.setattr(MotoTable, "__deepcopy__", refuse, raising=False)
    # When a transaction is cancelled
    with pytest.raises(EmailTaken):
        table().transact([put({"pk": "T#b", "sk": "B"}),
                          put_new({"pk": "T#d", "sk": "D"}, on_condition_failure=EmailTaken())])
    # Then it rolled back from the items it saved
    assert state() == before


def test_seeded_items_read_back_through_the_api_and_the_indexes(runtime: Runtime) -> None:
    # Given items put straight into moto's table
    items = [{"pk": f"T#{n}", "sk": "S", "gsi1pk": "T#SEEDED", "gsi1sk": f"{n:03d}"}
             for n in range(50)]
    _, stream_before = state()
    # When they are seeded
    assert seed_items(table().name, (serialize(item) for item in items)) == 50
    # Then they read back by key and by index, and wrote no stream records
    assert table().get({"pk": "T#7", "sk": "S"}) == items[7]
    listed, _ = table().query(Expression("gsi1pk = :p", values={":p": "T#SEEDED"}),
                              index="gsi1", limit=3)
    assert [item["gsi1sk"] for item in listed] == ["000", "001", "002"]
    assert state()[1] == stream_before


def test_a_trimmed_stream_keeps_delivering(runtime: Runtime) -> None:
    # Given the owner signed in, with every stream record so far delivered
    runtime.create_owner(OWNER_PASSWORD)
    token = access_token(runtime, "admin", OWNER_PASSWORD)
    runtime.pump_streams()
    # When the stream is trimmed
    trim_stream(table().name)
    assert state()[1] == 0
    # Then a later change's mail still goes out as the stream delivers it
    created = runtime.invoke("POST", "/agents", headers=bearer(token),
                             body={"account": "jdoe", "email": "jane@example.com",
                                   "firstName": "Jane"})
    assert created.status == 201
    assert "jane@example.com" in [m["to"] for m in runtime.outbox()]


def test_the_pump_drops_what_every_subscription_has_read(runtime: Runtime) -> None:
    """A long-running `make run` kept every stream record of its life in moto (copied by
    each transaction, walked by each read): a fuzz run of ~7,000 requests grew the local
    server to 24 GB. The pump now trims what it has delivered."""
    # Given the owner, and its sign-ins: each one writes stream records
    runtime.create_owner(OWNER_PASSWORD)
    for _ in range(3):
        sign_in(runtime, "admin", OWNER_PASSWORD)
    # Then after each request's pump nothing read is left in the stream
    assert state()[1] == 0
    # And records written but not pumped yet stay until they are delivered
    table().put({"pk": "T#x", "sk": "X"})
    assert state()[1] == 1
    runtime.pump_streams()
    assert state()[1] == 0


def test_a_trim_through_a_sequence_number_keeps_the_later_records(runtime: Runtime) -> None:
    # Given three stream records
    runtime.pump_streams()
    for name in "abc":
        table().put({"pk": f"T#{name}", "sk": "S"})
    shard = backend_table(table().name).stream_shard
    first = shard.starting_sequence_number
    # When the stream is trimmed through the second
    assert trim_stream(table().name, through=str(first + 1)) == 2
    # Then the third is still there with its sequence number, and reads find it
    assert [record.record["dynamodb"]["SequenceNumber"] for record in shard.items] == \
        [str(first + 2)]
    assert shard.get(first + 2, 10)[0]["dynamodb"]["SequenceNumber"] == str(first + 2)


def test_direct_answers_are_what_motos_serializer_writes(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """``direct_responses`` dumps item and stream results as they are: every answer it
    gives during a sign-in, an agent's create/list/patch and the stream's delivery must
    parse to what moto's serializer would have written (fails if a result held a type
    or a None the serializer writes otherwise)."""
    import json

    from moto.core.responses import ActionResult
    from roster_local.moto_tuning import DIRECT_OPERATIONS

    direct = ActionResult.execute_result
    compared: list[tuple[str, str]] = []

    def both(result: Any, context: Any) -> Any:
        answer = direct(result, context)
        operation = (str(context.service_model.service_name), str(context.operation_model.name))
        if operation in DIRECT_OPERATIONS and not isinstance(result.result, Exception):
            _, _, expected = direct.serialized(result, context)  # type: ignore[attr-defined]
            assert json.loads(answer[2]) == json.loads(expected), operation
            compared.append(operation)
        return answer

    monkeypatch.setattr(ActionResult, "execute_result", both)
    runtime.create_owner(OWNER_PASSWORD)
    token = access_token(runtime, "admin", OWNER_PASSWORD)
    created = runtime.invoke("POST", "/agents", headers=bearer(token), body={
        "account": "direct1", "email": "direct1@example.com", "firstName": "D",
        "lastName": "One", "roles": ["agent"], "passwordMode": "invite"})
    assert created.status == 201, created.json()
    agent = created.json()
    assert runtime.invoke("PATCH", f"/agents/{agent['id']}", headers=bearer(token),
                          body={"alias": "dee"}).status == 200
    assert runtime.invoke("GET", "/agents?limit=1", headers=bearer(token)).status == 200
    runtime.pump_streams()
    seen = {name for _, name in compared}
    assert {"GetItem", "TransactWriteItems", "Query", "GetRecords"} <= seen, seen


def test_a_symmetric_key_works_without_a_private_key_made_at_creation(
        aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """``deferred_private_keys``: moto made an RSA key (~40 ms) for every KMS key at
    ``CreateKey``; a symmetric key gets one only when moto reads it, and encrypt, decrypt
    and data keys work as before (fails if ``CreateKey`` makes the RSA key again, or if
    the symmetric operations break)."""
    import boto3
    from cryptography.hazmat.primitives.asymmetric import rsa

    made: list[int] = []
    generate = rsa.generate_private_key

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(kwargs.get("key_size", 0))
        return generate(*args, **kwargs)

    monkeypatch.setattr(rsa, "generate_private_key", counted)
    kms = boto3.client("kms")

    # When a symmetric key is created and used
    key_id = kms.create_key(Description="sealing")["KeyMetadata"]["KeyId"]
    sealed = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")

    # Then no RSA key was made, and every operation answered as KMS does
    assert made == []
    assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"secret"
    assert kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == \
        data_key["Plaintext"]
    assert len(data_key["Plaintext"]) == 32

    # And an asymmetric key still gets its key at creation and signs with it
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]
    assert made == [2048]
    signature = kms.sign(KeyId=signing["KeyId"], Message=b"m", MessageType="RAW",
                         SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    assert kms.verify(KeyId=signing["KeyId"], Message=b"m", MessageType="RAW",
                      Signature=signature,
                      SigningAlgorithm="RSASSA_PSS_SHA_256")["SignatureValid"]

    # And where moto does read a symmetric key's private key, it is made then, once
    from moto.kms.models import kms_backends
    backend = kms_backends["123456789012"]["us-east-1"]
    public = backend.keys[key_id].private_key.public_key()
    assert isinstance(public, bytes) and made == [2048, 2048]  # moto's DER public key
    backend.keys[key_id].private_key.public_key()
    assert made == [2048, 2048]
