"""A mini CloudFormation: creates in the current AWS endpoint (moto) what the template
declares, translating each resource's CloudFormation ``Properties`` into API calls.

Only the resource types local mode needs are created; every other resource still gets
a physical id so that ``!Ref`` to it resolves (serverless functions and the API get the
ARNs and ids they would have in AWS).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from roster_local.template import (
    API_TYPE,
    FUNCTION_TYPE,
    Resolver,
    Template,
    referenced_resources,
)


@dataclass
class Stack:
    """The provisioned stack: what ``!Ref`` and ``!GetAtt`` resolve to."""

    name: str
    account_id: str
    region: str
    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)

    def set(self, logical_id: str, physical_id: str, **attributes: str) -> None:
        self.physical_ids[logical_id] = physical_id
        self.attributes[logical_id] = attributes


def aws_client(service: str, region: str) -> Any:
    """A boto3 client for the current endpoint (``AWS_ENDPOINT_URL`` or ``mock_aws``).

    Clients are thread-safe and costly to build, so they are shared, per endpoint and
    credentials. Account-based endpoints are off: botocore would send a stream ARN's
    calls to ``<account>.streams-ddb.<region>.amazonaws.com``, which ``mock_aws`` does
    not serve.
    """
    return _client(
        service, region, os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_ACCESS_KEY_ID")
    )


@lru_cache(maxsize=64)
def _client(service: str, region: str, endpoint: str | None, access_key: str | None) -> Any:
    with _session_lock:  # a session is not thread-safe; the clients it makes are
        return _session().client(  # type: ignore[call-overload]
            service, region_name=region, config=Config(account_id_endpoint_mode="disabled")
        )


@lru_cache(maxsize=1)
def _session() -> boto3.session.Session:
    return boto3.session.Session()


_session_lock = threading.Lock()


def physical_name(
    stack_name: str, logical_id: str, *, lower: bool = False, limit: int = 128
) -> str:
    """A unique name like CloudFormation's ``stack-Logical-RANDOM``."""
    alphabet = (
        string.ascii_lowercase + string.digits if lower else string.ascii_uppercase + string.digits
    )
    suffix = "".join(secrets.choice(alphabet) for _ in range(12))
    prefix = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    name = f"{prefix}-{suffix}"
    return name.lower() if lower else name


def creation_order(template: Template, logical_ids: list[str]) -> list[str]:
    """``logical_ids`` sorted so that every resource comes after what it refers to."""
    resources = template.resources
    pending = set(logical_ids)
    ordered: list[str] = []
    dependencies = {
        logical_id: (
            referenced_resources(resources[logical_id].get("Properties"))
            | set(_as_list(resources[logical_id].get("DependsOn")))
        )
        & pending
        for logical_id in logical_ids
    }
    while pending:
        ready = sorted(item for item in pending if not (dependencies[item] & pending))
        if not ready:
            raise ValueError(f"circular references between {sorted(pending)}")
        ordered.extend(ready)
        pending -= set(ready)
    return ordered


def provision(
    template: Template,
    parameters: Mapping[str, str],
    *,
    stack_name: str = "roster-local",
    account_id: str = "123456789012",
    region: str = "us-east-1",
) -> tuple[Stack, Resolver]:
    """Create the template's resources; return the stack and a resolver bound to it."""
    stack = Stack(stack_name, account_id, region)
    resolver = Resolver(
        template,
        parameters,
        stack.physical_ids,
        stack.attributes,
        account_id=account_id,
        region=region,
        stack_name=stack_name,
    )
    resources = template.resources
    wanted = [
        logical_id
        for logical_id, resource in resources.items()
        if "Condition" not in resource or resolver.condition(str(resource["Condition"]))
    ]
    for logical_id in creation_order(template, wanted):
        resource_type = str(resources[logical_id].get("Type"))
        creator = _CREATORS.get(resource_type)
        if creator is None:
            _create_placeholder(stack, logical_id, resource_type)
        else:
            creator(
                stack, logical_id, resolver.resolve(resources[logical_id].get("Properties") or {})
            )
    return stack, resolver


# --------------------------------------------------------------------------- creators


def _create_table(stack: Stack, logical_id: str, properties: dict[str, Any]) -> None:
    client = aws_client("dynamodb", stack.region)
    name = properties.get("TableName") or physical_name(stack.name, logical_id, limit=255)
    on_demand = properties.get("BillingMode") == "PAY_PER_REQUEST"
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if not on_demand:
        request["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.get(key):
            request[key] = [
                {
                    field_name: index[field_name]
                    for field_name in (
                        "IndexName",
                        "KeySchema",
                        "Projection",
                        "ProvisionedThroughput",
                    )
                    if field_name in index
                }
                for index in properties[key]
            ]
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    client.create_table(**request)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and _truthy(ttl.get("Enabled")):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    description = client.describe_table(TableName=name)["Table"]
    attributes = {"Arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        attributes["StreamArn"] = description["LatestStreamArn"]
    stack.set(logical_id, name, **attributes)


def _create_key(stack: Stack, logical_id: str, properties: dict[str, Any]) -> None:
    client = aws_client("kms", stack.region)
    request: dict[str, Any] = {
        key: properties[key] for key in ("Description", "KeyUsage", "KeySpec") if key in properties
    }
    if "KeyPolicy" in properties:
        policy = properties["KeyPolicy"]
        request["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    metadata = client.create_key(**request)["KeyMetadata"]
    if _truthy(properties.get("EnableKeyRotation")):
        client.enable_key_rotation(KeyId=metadata["KeyId"])
    stack.set(logical_id, metadata["KeyId"], Arn=metadata["Arn"], KeyId=metadata["KeyId"])


def _create_secret(stack: Stack, logical_id: str, properties: dict[str, Any]) -> None:
    client = aws_client("secretsmanager", stack.region)
    name = properties.get("Name") or physical_name(stack.name, logical_id, limit=512)
    if "GenerateSecretString" in properties:
        value = generate_secret_string(client, properties["GenerateSecretString"])
    else:
        value = str(properties.get("SecretString", ""))
    request: dict[str, Any] = {"Name": name, "SecretString": value}
    if "Description" in properties:
        request["Description"] = properties["Description"]
    if "KmsKeyId" in properties:
        request["KmsKeyId"] = properties["KmsKeyId"]
    arn = client.create_secret(**request)["ARN"]
    stack.set(logical_id, arn, Id=arn)


def _create_bucket(stack: Stack, logical_id: str, properties: dict[str, Any]) -> None:
    client = aws_client("s3", stack.region)
    name = properties.get("BucketName") or physical_name(
        stack.name, logical_id, lower=True, limit=63
    )
    if stack.region == "us-east-1":
        client.create_bucket(Bucket=name)
    else:
        client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": stack.region}
        )
    cors = (properties.get("CorsConfiguration") or {}).get("CorsRules")
    if cors:
        renamed = {"Id": "ID", "ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}
        rules = [{renamed.get(key, key): value for key, value in rule.items()} for rule in cors]
        client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    stack.set(
        logical_id,
        name,
        Arn=f"arn:aws:s3:::{name}",
        DomainName=f"{name}.s3.amazonaws.com",
        RegionalDomainName=f"{name}.s3.{stack.region}.amazonaws.com",
    )


def _create_queue(stack: Stack, logical_id: str, properties: dict[str, Any]) -> None:
    client = aws_client("sqs", stack.region)
    fifo = _truthy(properties.get("FifoQueue"))
    name = properties.get("QueueName") or physical_name(
        stack.name, logical_id, limit=75 if fifo else 80
    ) + (".fifo" if fifo else "")
    attributes = {
        key: json.dumps(value) if isinstance(value, dict) else _attribute_string(value)
        for key, value in properties.items()
        if key not in ("QueueName", "Tags")
    }
    url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    stack.set(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)


def _create_topic(stack: Stack, logical_id: str, properties: dict[str, Any]) -> None:
    client = aws_client("sns", stack.region)
    name = properties.get("TopicName") or physical_name(stack.name, logical_id, limit=256)
    attributes = {
        key: _attribute_string(properties[key])
        for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic")
        if key in properties
    }
    arn = client.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    stack.set(logical_id, arn, TopicArn=arn, TopicName=name)


def _create_placeholder(stack: Stack, logical_id: str, resource_type: str) -> None:
    """Resources with no local counterpart: an id for ``!Ref``, and the ARNs functions
    and the API would have."""
    if resource_type == FUNCTION_TYPE:
        name = physical_name(stack.name, logical_id, limit=64)
        arn = f"arn:aws:lambda:{stack.region}:{stack.account_id}:function:{name}"
        stack.set(logical_id, name, Arn=arn)
    elif resource_type == API_TYPE:
        api_id = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))
        stack.set(logical_id, api_id, RootResourceId=secrets.token_hex(5))
    else:
        stack.set(logical_id, physical_name(stack.name, logical_id))


_Creator = Callable[[Stack, str, dict[str, Any]], None]
_CREATORS: dict[str, _Creator] = {
    "AWS::DynamoDB::Table": _create_table,
    "AWS::KMS::Key": _create_key,
    "AWS::SecretsManager::Secret": _create_secret,
    "AWS::S3::Bucket": _create_bucket,
    "AWS::SQS::Queue": _create_queue,
    "AWS::SNS::Topic": _create_topic,
}


# --------------------------------------------------------------------------- helpers


# GenerateSecretString's options that are GetRandomPassword's (the same generator).
_RANDOM_PASSWORD_OPTIONS = ("PasswordLength", "ExcludeCharacters", "ExcludeNumbers",
                            "ExcludePunctuation", "ExcludeUppercase", "ExcludeLowercase",
                            "IncludeSpace", "RequireEachIncludedType")


def generate_secret_string(client: Any, spec: Mapping[str, Any]) -> str:
    """What ``GenerateSecretString`` stores: Secrets Manager's ``GetRandomPassword`` with
    the same options, under ``GenerateStringKey`` of ``SecretStringTemplate`` if given."""
    options: dict[str, Any] = {}
    for name in _RANDOM_PASSWORD_OPTIONS:
        if name in spec:
            value = spec[name]
            options[name] = (int(value) if name == "PasswordLength"
                             else str(value) if name == "ExcludeCharacters" else _truthy(value))
    value = str(client.get_random_password(**options)["RandomPassword"])
    template = spec.get("SecretStringTemplate")
    if template is None:
        return value
    document = json.loads(template)
    document[spec["GenerateStringKey"]] = value
    return json.dumps(document)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _attribute_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]
