"""The one JSON reader of request bodies, with the contract's input limits.

Python's ``json.loads`` accepts what the API must refuse and fails on some of it with an
exception no handler expects: a body nested a thousand levels deep raises
``RecursionError``, an integer of more than 4,300 digits ``ValueError``, and ``NaN`` or
``-Infinity`` become floats that DynamoDB stores but cannot give back as numbers. Every
route reads its body through ``loads`` (``roster.api.create_app``), so each of these is a
``422 validation_failed`` naming the field (by its path, ``properties.x``; ``body`` when
the problem is the body as a whole), before any model or handler sees it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import accumulate
from typing import Any

from roster.errors import ValidationFailed

MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 38
MAX_MAGNITUDE = 10**15
MAX_FRACTION_DIGITS = 6
MAX_REPORTED = 20  # errors[] entries in one answer, however many numbers are refused

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}
_FRACTION_STEP = Decimal(1).scaleb(-MAX_FRACTION_DIGITS)

RANGE_RULE = "must be a number between -1e15 and 1e15"
FRACTION_RULE = f"must have at most {MAX_FRACTION_DIGITS} digits after the decimal point"
INTEGER_RULE = f"must be an integer of at most {MAX_INTEGER_DIGITS} digits"
FINITE_RULE = "must be a finite number (NaN and Infinity are not JSON numbers)"
DEPTH_RULE = f"The body is nested deeper than {MAX_DEPTH} levels"


@dataclass(frozen=True)
class _Refused:
    """A number the limits refuse, in the parsed value where the number was."""

    rule: str


def nesting_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the text opens more than ``limit`` arrays/objects inside one another.

    Brackets inside strings do not count. Text that is not JSON may be misjudged, but
    then the parser refuses it anyway.
    """
    if text.count("[") + text.count("{") <= limit:  # most bodies: no scan needed
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_CHANGE.__getitem__, brackets)), default=0) > limit


class _Numbers:
    """The parser's number hooks for one body. A refused number stays in place as a
    ``_Refused`` so the walk can name where it was; ``refused`` spares that walk for
    the bodies (nearly all) that have none."""

    def __init__(self) -> None:
        self.refused = False

    def _refuse(self, rule: str) -> _Refused:
        self.refused = True
        return _Refused(rule)

    def integer(self, literal: str) -> int | _Refused:
        # Counted before int(): Python refuses to convert more than 4,300 digits.
        if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
            return self._refuse(INTEGER_RULE)
        value = int(literal)
        return value if -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE else self._refuse(RANGE_RULE)

    def number(self, literal: str) -> float | _Refused:
        """A literal with a fraction or an exponent, judged exactly (as a ``Decimal``)
        before it becomes a float: ``1e308``, ``1e-320`` and ``0.1234567`` are refused."""
        try:
            exact = Decimal(literal)
        except InvalidOperation:  # an exponent too large even for Decimal
            return self._refuse(RANGE_RULE)
        if not -MAX_MAGNITUDE <= exact <= MAX_MAGNITUDE:
            return self._refuse(RANGE_RULE)
        if exact != exact.quantize(_FRACTION_STEP):
            return self._refuse(FRACTION_RULE)
        return float(exact)

    def constant(self, _: str) -> _Refused:
        return self._refuse(FINITE_RULE)


def _refusals(value: Any, path: tuple[str, ...], found: list[dict[str, str]]) -> None:
    if len(found) >= MAX_REPORTED:
        return
    if isinstance(value, _Refused):
        found.append({"field": ".".join(path) or "body", "message": value.rule})
    elif isinstance(value, dict):
        for key, inner in value.items():
            _refusals(inner, (*path, key), found)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _refusals(inner, (*path, str(index)), found)


def loads(text: str) -> Any:
    """``json.loads`` within the input limits; ``ValidationFailed`` (422) otherwise.

    Text that is not JSON raises ``json.JSONDecodeError`` as ``json.loads`` does (the
    resolver answers it with ``422``, "The body is not valid JSON").
    """
    if nesting_depth_exceeds(text):
        raise ValidationFailed(errors=[{"field": "body", "message": DEPTH_RULE}])
    numbers = _Numbers()
    value = json.loads(text, parse_int=numbers.integer, parse_float=numbers.number,
                       parse_constant=numbers.constant)
    if numbers.refused:
        found: list[dict[str, str]] = []
        _refusals(value, (), found)
        raise ValidationFailed(errors=found)
    return value
