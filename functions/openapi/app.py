"""Serves the OpenAPI document generated from the code (``roster/openapi.json``), and
answers the CORS preflight (``OPTIONS``) of every route's path (``roster.cors``): the
template routes them all here, public, so a preflight never wakes a heavier function
nor meets the authorizer."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from roster import cors
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs


@lru_cache(maxsize=1)
def document() -> str:
    return files("roster").joinpath("openapi.json").read_text(encoding="utf-8")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if cors.is_preflight(event):
        return cors.preflight(event)
    return cors.with_cors(event, {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "max-age=300"},
        "body": document(),
        "isBase64Encoded": False,
    })
