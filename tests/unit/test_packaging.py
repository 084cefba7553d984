"""The layer ships what the project depends on, and the template wires what exists."""

from __future__ import annotations

import tomllib
from pathlib import Path

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
