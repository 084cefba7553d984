"""The layers import downward only: services and the repository know nothing of HTTP
(``roster.api``: the resolver, the caller as the authorizer passed it) and the repository
nothing of the services. A small stand-in for an import contract until one is in
``make lint``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROSTER = Path(__file__).resolve().parents[2] / "shared" / "roster"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


ADAPTERS = ("roster.repository", "roster.aws", "roster.wiring", "boto3", "botocore")


@pytest.mark.parametrize(("layer", "forbidden"), [
    ("services", ("roster.api", "aws_lambda_powertools.event_handler")),
    ("services/sign_in", ("roster.api", "aws_lambda_powertools.event_handler", *ADAPTERS)),
    ("services/authorizer.py", ADAPTERS),
    ("ports", ("roster.services", "roster.api", *ADAPTERS)),
    ("repository", ("roster.api", "roster.services")),
])
def test_a_layer_imports_nothing_above_it(layer: str, forbidden: tuple[str, ...]) -> None:
    offenders = sorted(
        f"{path.relative_to(ROSTER)} imports {module}"
        for path in ([ROSTER / layer] if layer.endswith(".py")
                     else (ROSTER / layer).rglob("*.py"))
        for module in _imports(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden))
    assert offenders == []
