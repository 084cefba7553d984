"""What a cold start costs (each function's import time beside ``import boto3`` + the
Powertools resolver) and how big the packages are (the layer, and each function)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infra.bench import ROOT

BASELINE = ("import boto3\n"
            "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
            "APIGatewayRestResolver(enable_validation=True)\n")
RUNS = 5
RATIO_GOAL = 1.3
LAYER = "RosterLayer"
BUILD = ROOT / ".aws-sam" / "build"
NOT_SHIPPED = {"__pycache__"}  # nor *.egg-info: what sam build does not copy


# ----------------------------------------------------------------------------- cold imports
@dataclass(frozen=True)
class ImportRow:
    function: str
    seconds: float
    ratio: float

    @property
    def ok(self) -> bool:
        return self.ratio <= RATIO_GOAL


def _import_seconds(code: str, cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "shared"),
           "ROSTER_TABLE_NAME": "t", "ROSTER_KMS_KEY_ID": "k", "ROSTER_TOKEN_SECRET_ID": "s",
           "ROSTER_DIGEST_SECRET_ID": "d",
           "ROSTER_EMAIL_SENDER": "e@example.com", "ROSTER_PHOTO_BUCKET": "b",
           "PYTHONDONTWRITEBYTECODE": "0"}
    script = ("import time\nstart = time.perf_counter()\n" + code +
              "\nprint(time.perf_counter() - start)\n")
    output = subprocess.run([sys.executable, "-c", script],  # noqa: S603 - our own code
                            capture_output=True, text=True, env=env, cwd=str(cwd), check=True)
    return float(output.stdout.strip().splitlines()[-1])


def median_of(code: str, cwd: Path = ROOT) -> float:
    _import_seconds(code, cwd)  # compile the bytecode once, as a deployed package has it
    return statistics.median(_import_seconds(code, cwd) for _ in range(RUNS))


def measure_cold_imports() -> tuple[float, list[ImportRow]]:
    baseline = median_of(BASELINE)
    rows = []
    for directory in sorted((ROOT / "functions").iterdir()):
        if (directory / "app.py").exists():
            seconds = median_of("import app", cwd=directory)
            rows.append(ImportRow(directory.name, seconds, seconds / baseline))
    return baseline, rows


# ----------------------------------------------------------------------------- sizes
@dataclass(frozen=True)
class Size:
    artifact: str
    bytes: int
    source: str  # where it was measured


def size_of(path: Path) -> int:
    """Bytes of the files under ``path`` that a package ships (no bytecode caches, no
    egg-info)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()
               and not NOT_SHIPPED.intersection(f.relative_to(path).parts)
               and not any(part.endswith(".egg-info") for part in f.relative_to(path).parts))


def layer_source() -> Path:
    """The layer's ``ContentUri`` in template.yaml."""
    from cfnlint.decode import cfn_yaml

    template = cfn_yaml.load(str(ROOT / "template.yaml"))
    return ROOT / str(template["Resources"][LAYER]["Properties"]["ContentUri"])


def measure_sizes() -> list[Size]:
    """The layer first (``sam build``'s, dependencies included; without a build, its
    source: Roster alone), then each function's package from ``sam build`` output."""
    built = BUILD / LAYER
    if built.is_dir():
        layer = Size(LAYER, size_of(built), "`sam build` output, dependencies included")
    else:
        source = layer_source()
        layer = Size(LAYER, size_of(source), f"`{source.relative_to(ROOT)}` (no `sam build`: "
                     "Roster's own code, without the dependencies)")
    functions = [Size(d.name, size_of(d), "`sam build` output")
                 for d in sorted(BUILD.iterdir()) if d.is_dir() and d.name != LAYER] \
        if BUILD.is_dir() else []
    return [layer, *functions]
