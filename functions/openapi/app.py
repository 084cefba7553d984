"""Serves the OpenAPI document generated from the code (``roster/openapi.json``)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs


@lru_cache(maxsize=1)
def document() -> str:
    return files("roster").joinpath("openapi.json").read_text(encoding="utf-8")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "max-age=300"},
        "body": document(),
        "isBase64Encoded": False,
    }
