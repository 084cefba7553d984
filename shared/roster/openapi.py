"""The one OpenAPI document, generated from every function's router together.

``python -m roster.openapi`` writes it to ``shared/roster/openapi.json`` (shipped in the
layer and served by ``GET /openapi.json``); a test fails when the file and the code drift.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

DOCUMENT = Path(__file__).with_name("openapi.json")
TITLE = "Roster"
VERSION = "1.0.0"


def repository_root() -> Path:
    return Path(__file__).resolve().parents[2]


def load_function_module(name: str, root: Path | None = None, suffix: str = "") -> Any:
    """Import ``functions/<name>/app.py`` under a unique module name."""
    path = (root or repository_root()) / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"roster_fn_{name}{suffix}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app = APIGatewayRestResolver(enable_validation=True)
    for directory in sorted((repository_root() / "functions").iterdir()):
        if not (directory / "app.py").exists():
            continue
        module = load_function_module(directory.name, suffix="_openapi")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    schema = app.get_openapi_schema(
        title=TITLE,
        version=VERSION,
        summary="Agent accounts and sign-in for a contact centre",
        security_schemes={"bearerAuth": HTTPBearer(scheme="bearer", bearerFormat="JWT")},
        security=[{"bearerAuth": []}],
    )
    document: dict[str, Any] = json.loads(
        schema.model_dump_json(by_alias=True, exclude_none=True)
    )
    return with_problem_responses(document)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem document; `code` is the stable machine-readable value.",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"},
                               "rule": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


def with_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Describe errors as they are: problem+json for every non-2xx answer, and public
    routes (per ``roster.permissions``) without the bearer requirement."""
    from roster.permissions import ROUTE_PERMISSIONS

    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    document["components"]["schemas"].pop("HTTPValidationError", None)
    document["components"]["schemas"].pop("ValidationError", None)
    problem = {
        "description": "Problem (RFC 9457)",
        "content": {"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses["422"] = problem
            responses["default"] = problem
            if ROUTE_PERMISSIONS.get((method.upper(), path), frozenset()) is None:
                operation["security"] = []
    return document


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()
