"""The layer ships what the project depends on, and the template wires what exists."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from roster_local.template import Template

ROOT = Path(__file__).resolve().parents[2]


def test_layer_requirements_are_the_runtime_dependencies_but_boto3() -> None:
    # Given pyproject's runtime dependencies (boto3 comes with the Lambda runtime)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {d for d in project["project"]["dependencies"] if not d.startswith("boto3")}
    # When the layer's requirements are read
    lines = (ROOT / "shared" / "requirements.txt").read_text().splitlines()
    shipped = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    # Then they are the same set
    assert shipped == declared


def test_every_function_directory_has_a_handler_and_a_template_resource() -> None:
    template = (ROOT / "template.yaml").read_text()
    for directory in (ROOT / "functions").iterdir():
        assert (directory / "app.py").exists(), directory
        assert f"CodeUri: functions/{directory.name}/" in template, directory.name


# --------------------------------------------------------------------------- the layer

# What the Lambda runtime provides beside the layer's requirements.
RUNTIME_PROVIDED = {"boto3", "botocore"}


def _distribution(requirement: str) -> str:
    """A requirement's distribution name, normalised (PEP 503): ``cfn-lint>=1`` -> ``cfn-lint``."""
    name = re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _layer_directory() -> Path:
    layers = Template.load(ROOT / "template.yaml").resources_of_type(
        "AWS::Serverless::LayerVersion")
    [layer] = layers.values()
    return (ROOT / str(layer["Properties"]["ContentUri"])).resolve()


def _layer_requirements() -> set[str]:
    lines = (_layer_directory() / "requirements.txt").read_text().splitlines()
    return {_distribution(line) for line in lines if line.strip() and not line.startswith("#")}


def _runtime_imports(source: str) -> set[str]:
    """Top-level modules a file imports when it runs (``if TYPE_CHECKING:`` blocks and
    relative imports left out)."""
    skipped: set[int] = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for statement in node.body for child in ast.walk(statement)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_layer_holds_no_emulator_and_no_test_code() -> None:
    """Rule (issue 12): the layer (the template's ``ContentUri``) holds what runs in
    Lambda and nothing else. Fails when the emulator or a test helper moves back under
    it, or when a layer module imports a package its requirements do not ship (moto,
    werkzeug, cfn-lint, pytest... are in the dev install only)."""
    layer = _layer_directory()
    sources = [path for path in layer.rglob("*.py") if "egg-info" not in str(path)]
    assert sources
    # No emulator, no tests: neither as a directory nor as a module
    names = {part for path in sources for part in path.relative_to(layer).parts}
    assert not names & {"local", "roster_local", "tests", "support", "conftest.py"}, names
    # And every third-party module a layer module imports comes from its requirements
    installed = packages_distributions()
    allowed = _layer_requirements() | RUNTIME_PROVIDED
    for path in sources:
        for module in _runtime_imports(path.read_text()) - set(sys.stdlib_module_names):
            if module == "roster":
                continue
            distributions = {_distribution(name) for name in installed.get(module, [module])}
            assert distributions & allowed, f"{path.relative_to(ROOT)} imports {module}"


def test_the_layer_requirements_hold_no_dev_dependency() -> None:
    """Fails when a dev or emulator dependency (moto, pytest, werkzeug, cfn-lint...)
    is added to the layer's ``requirements.txt``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    dev_only = {_distribution(requirement) for group in extras.values()
                for requirement in group} - {"roster"}
    assert {"moto", "pytest", "werkzeug", "cfn-lint"} <= dev_only
    assert not _layer_requirements() & dev_only
