"""What the import contracts (``lint-imports``, contracts in ``pyproject.toml``) cannot
say: Powertools' HTTP types stay in ``roster.api`` (import-linter takes no subpackage of
an external package), and the functions (no package) reach the adapters only through
the composition root, ``roster.wiring``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "shared" / "roster"
HTTP_TYPES = "aws_lambda_powertools.event_handler"
ADAPTERS = ("roster.repository", "roster.adapters", "roster.aws", "boto3", "botocore")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in paths
        for module in _imports(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden))


@pytest.mark.parametrize("layer", ["services", "ports", "models", "repository", "adapters",
                                   "authorization.py", "wiring.py"])
def test_no_http_type_below_the_api(layer: str) -> None:
    paths = [ROSTER / layer] if layer.endswith(".py") else sorted((ROSTER / layer).rglob("*.py"))
    assert paths and _offenders(paths, (HTTP_TYPES,)) == []


def test_functions_reach_adapters_only_through_the_composition_root() -> None:
    functions = sorted((ROOT / "functions").glob("*/app.py"))
    assert functions and _offenders(functions, ADAPTERS) == []
    assert all("roster.wiring" in _imports(path) for path in functions)
