"""pydantic's validation errors as the contract's ``errors[]`` entries: one per bad field,
named by its path (``skills.1.skillId``), in plain sentences (API.md v2 "Consistency").

Shared by the API (request bodies, query parameters) and the bulk import (a CSV row is
validated as the body of ``POST /agents`` would be)."""

from __future__ import annotations

from typing import Any


def header_name(name: str) -> str:
    """A header as clients spell it (Powertools lower-cases them): ``If-Match``."""
    return "-".join(word.capitalize() for word in name.split("-"))


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    # pydantic names a bad dict key as (..., key, "[key]"): the field is the key's path.
    parts = [str(part) for part in location if part != "[key]"]
    if parts[:1] == ["header"]:
        return header_name(parts[-1])
    if parts and parts[0] in {"body", "query", "path"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


# pydantic prefixes the message of an error raised in a validator with its kind.
_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")


def plain_sentence(message: str) -> str:
    """A validation message as a plain sentence (API.md v2: no library prefixes)."""
    for prefix in _LIBRARY_PREFIXES:
        if message.startswith(prefix):
            message = message[len(prefix):]
            return message[:1].upper() + message[1:]
    return message


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One ``errors[]`` entry per bad field, from pydantic's error list."""
    entries: list[dict[str, str]] = []
    seen: set[str] = set()
    for error in errors:
        field = _field_of(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            field, message = "body", "The body is not valid JSON"
        else:
            message = plain_sentence(str(error.get("msg", "is not valid")))
        if field not in seen:
            seen.add(field)
            entries.append({"field": field, "message": message})
    return entries
