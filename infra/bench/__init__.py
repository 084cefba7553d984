"""``make bench`` (``python -m infra.bench``): what each request costs, how fast each
function starts, how big the packages are.

It prints, and writes into docs/performance.md between its markers:

1. For every declared API route (``routes.declared_routes``), the AWS round trips one
   warm request makes (DynamoDB, KMS, Secrets Manager; the authorizer included) beside
   the floor its job allows. A route without a scenario is reported as "not measured",
   never skipped (``routes``, ``scenarios``).
2. For every function, the cold import time (median of 5 fresh interpreters) beside
   ``import boto3`` + the Powertools resolver measured in the same run (``footprint``).
3. The layer's size, and each function's package size from ``sam build`` output
   (``footprint``).
4. Items read by one ``GET /agents`` page and one cleanup run at 100, 10,000 and 100,000
   agents, and whether that stays flat (``scale``).

It runs on the test support (``tests/support``): the same moto stack, sign-in, owner
password and AWS call recorder as the tests, so round trips are what the code really does
against (moto's) AWS, counted the way the tests count them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT / "shared", ROOT / "tests"):  # roster, and the test support
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
