"""``Site`` from the deployment: the custom domain's origin when the stack has one
(``ROSTER_PUBLIC_ORIGIN``), otherwise the value of the SSM parameter the stack writes
once the CloudFront distribution exists (``ROSTER_PUBLIC_ORIGIN_PARAMETER``): the
functions cannot name the distribution in their environment without a template cycle.
Read through Powertools Parameters, cached for ``ORIGIN_CACHE_SECONDS``."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from roster import aws
from roster.config import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

ORIGIN_CACHE_SECONDS = 3600  # written once per stack; a custom domain comes by parameter


class DeployedSite:
    @cached_property
    def _parameters(self) -> SSMProvider:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        return SSMProvider(boto3_client=aws.ssm())

    def public_origin(self) -> str:
        settings = get_settings()
        if settings.public_origin:
            return settings.public_origin.rstrip("/")
        if not settings.public_origin_parameter:
            raise RuntimeError("neither ROSTER_PUBLIC_ORIGIN nor ROSTER_PUBLIC_ORIGIN_PARAMETER "
                               "is set: the verification link has no page to point at")
        value = self._parameters.get(settings.public_origin_parameter,
                                     max_age=ORIGIN_CACHE_SECONDS)
        return str(value).rstrip("/")
