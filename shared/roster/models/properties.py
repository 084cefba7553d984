"""``properties`` of agents and groups, as a request may set them (one rule for both).

At most 50; names 1-64 of ``A-Z a-z 0-9 _ . -``, not starting with ``__`` (so no
``__proto__``-style name reaches a client's object); values text up to 1,000 characters,
booleans, or finite numbers within +-10^15 (the body reader, ``roster.json_limits``, has
already refused longer fractions and other numbers); all of them together at most
``MAX_PROPERTIES_JSON`` characters of JSON. Stored items keep the lenient
``models.agent.PropertyValue`` so that reading what an older version stored never fails.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from roster.json_limits import MAX_MAGNITUDE

MAX_PROPERTIES = 50
PROPERTY_NAME_RULE = ("property names are 1-64 characters of A-Z, a-z, 0-9, '_', '.' or '-', "
                      "not starting with '__'")
PROPERTY_VALUE_RULE = "must be a boolean, a number between -1e15 and 1e15, or text up to 1000"


def _one_error(rule: str) -> WrapValidator:
    """One clear message instead of a pattern or one message per member of a union."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            raise ValueError(rule) from error

    return WrapValidator(validate)


def _not_dunder(name: str) -> str:
    if name.startswith("__"):
        raise ValueError(PROPERTY_NAME_RULE)
    return name


PropertyValue = Annotated[
    StrictBool
    | Annotated[StrictInt, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
    | Annotated[StrictFloat, Field(allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
    | Annotated[str, StringConstraints(max_length=1000)],
    _one_error(PROPERTY_VALUE_RULE),
]
PropertyName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$"),
                         AfterValidator(_not_dunder), _one_error(PROPERTY_NAME_RULE)]
# All of an agent's (or a group's) properties together, as JSON with non-ASCII escaped:
# 50 values of 1,000 emoji each (200 KB stored, 600 KB in an answer) broke DynamoDB's
# 400 KB item limit on the next PATCH (a 500) and made a page of agents larger than
# Lambda's 6 MB answer (red team). 8,192 keeps a 100-agent page under 4 MB.
MAX_PROPERTIES_JSON = 8192


def _bounded_total(properties: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(properties, separators=(",", ":"))) > MAX_PROPERTIES_JSON:
        raise ValueError(f"properties take at most {MAX_PROPERTIES_JSON} characters "
                         "together, as JSON (non-ASCII characters count 6 or 12)")
    return properties


Properties = Annotated[dict[PropertyName, PropertyValue], Field(max_length=MAX_PROPERTIES),
                       AfterValidator(_bounded_total)]
