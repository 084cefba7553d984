"""``KeyService`` on AWS: KMS data keys, Secrets Manager secrets (the signing key through
Powertools Parameters, cached for ``KEY_CACHE_SECONDS``); ``SeedVault`` on KMS."""

from __future__ import annotations

import base64
from functools import cached_property
from typing import TYPE_CHECKING

from roster import aws
from roster.config import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

ENCRYPTION_CONTEXT = {"purpose": "roster-sealed-values"}
KEY_CACHE_SECONDS = 300
PREVIOUS = "AWSPREVIOUS"


class AwsKeyService:
    def new_data_key(self) -> tuple[bytes, bytes]:
        response = aws.kms().generate_data_key(
            KeyId=get_settings().kms_key_id, KeySpec="AES_256",
            EncryptionContext=ENCRYPTION_CONTEXT)
        return response["Plaintext"], response["CiphertextBlob"]

    def open_data_key(self, encrypted: bytes) -> bytes:
        plaintext: bytes = aws.kms().decrypt(
            CiphertextBlob=encrypted, EncryptionContext=ENCRYPTION_CONTEXT)["Plaintext"]
        return plaintext

    def digest_secret(self, stage: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            response = aws.secrets_manager().get_secret_value(
                SecretId=get_settings().digest_secret_id, VersionStage=stage)
        except ClientError as error:
            if stage == PREVIOUS and error.response.get("Error", {}).get(
                    "Code") == "ResourceNotFoundException":
                return None  # never rotated: there is no previous version
            raise
        return response["SecretString"].encode()

    @cached_property
    def _secrets(self) -> SecretsProvider:
        """Powertools' provider on our Secrets Manager client (its default one would build
        a boto3 session of its own)."""
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        return SecretsProvider(boto3_client=aws.secrets_manager())

    def signing_key(self) -> str:
        return str(self._secrets.get(get_settings().token_secret_id,
                                     max_age=KEY_CACHE_SECONDS))


class KmsSeedVault:
    """``roster.ports.two_factor.SeedVault`` on KMS: a seed encrypted under the secrets
    key with the agent id as encryption context (base64 of the ciphertext blob)."""

    def seal(self, agent_id: str, secret: str) -> str:
        blob = aws.kms().encrypt(KeyId=get_settings().kms_key_id, Plaintext=secret.encode(),
                             EncryptionContext={"agentId": agent_id})["CiphertextBlob"]
        return base64.b64encode(blob).decode()

    def open(self, agent_id: str, sealed: str) -> str:
        plaintext: bytes = aws.kms().decrypt(
            CiphertextBlob=base64.b64decode(sealed), KeyId=get_settings().kms_key_id,
            EncryptionContext={"agentId": agent_id})["Plaintext"]
        return plaintext.decode()
