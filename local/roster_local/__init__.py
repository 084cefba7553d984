"""Local mode: ``template.yaml`` run in one process against an embedded AWS (moto).

``Runtime`` plays API Gateway, Lambda and DynamoDB Streams for the integration tests
and for the local server (``python -m roster_local``, ``roster-local``).
"""

from roster_local.functions import FunctionFailed, UnknownFunction
from roster_local.gateway import LocalResponse
from roster_local.runtime import Runtime

__all__ = ["FunctionFailed", "LocalResponse", "Runtime", "UnknownFunction"]
