"""SCIM 2.0 provisioning (RFC 7643/7644): Users are agents, Groups are queues.

Every write goes through Roster's own services (``roster.services.agents``,
``assignments``, ``catalog``), so the seed rules hold for an identity provider as for an
admin: privilege dominance, email changes through verification, sessions ended on
deactivation, the owner protected, every act audited under the caller's ``actorId``
(``provisioning:<token id>``). This package only translates: SCIM payloads are read and
written with ``scim2-models`` (its filter parser and its PATCH engine too), under the
tolerance policy ``roster.models.scim.POLICY``.

Payload errors found by ``scim2-models`` (its ``SCIMException``s: ``status`` and
``scimType``) leave every public function of this package as Roster's domain errors
carrying that ``scimType`` (``translated``), which ``roster.scim_api`` renders; Roster's
own domain errors pass through as they are.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    InvalidValueException,
    PreconditionFailedException,
    ResponseParameters,
    SCIMException,
)
from scim2_models.base import BaseModel as ScimModel

from roster import errors
from roster.errors import RosterError
from roster.models.scim import POLICY

# The longest value an index key takes (as GET /agents?q=, account= and email=): a longer
# one matches no agent, and is never sent to the table (its key would be too long).
MAX_KEY_VALUE = 254
Parsed = TypeVar("Parsed", bound=ScimModel)
Params = ParamSpec("Params")
Result = TypeVar("Result")
# A SCIM status as the domain error ``roster.scim_api`` answers it with (400: any).
_BY_STATUS: dict[int, type[RosterError]] = {
    403: errors.Forbidden, 404: errors.NotFound, 409: errors.AlreadyExists,
    412: errors.VersionConflict, 413: errors.PayloadTooLarge,
}
# ``If-Match``: a weak (``W/"3"``) or strong (``"3"``) tag of a version (API.md v2).
_IF_MATCH = re.compile(r'(?:W/)?"(?P<version>[0-9]{1,18})"')


@dataclass(frozen=True)
class Answer:
    """What a SCIM handler sends: a JSON body, and the resource's version as ``ETag``."""

    body: dict[str, Any]
    etag: str | None = None
    location: str | None = None


def domain_error(error: SCIMException) -> RosterError:
    """``error`` as the domain error the SCIM application renders with its ``scimType``."""
    kind = _BY_STATUS.get(error.status, errors.ValidationFailed)
    scim_type = error.scim_type or ("invalidValue" if kind is errors.ValidationFailed
                                    else None)
    if scim_type is None:
        return kind(error.detail)
    return kind(error.detail, scimType=scim_type)


def translated(function: Callable[Params, Result]) -> Callable[Params, Result]:
    """``function`` with the ``SCIMException``s it raises as domain errors, and a value
    Roster's own request models refuse (a 101-character queue name, a 16th queue) as
    ``400 invalidValue``, never a 500."""

    @functools.wraps(function)
    def wrapper(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return function(*args, **kwargs)
        except SCIMException as error:
            raise domain_error(error) from None
        except ValidationError as error:
            raise domain_error(scim_error(error)) from None

    return wrapper


def scim_error(error: ValidationError) -> SCIMException:
    """The SCIM error a payload's validation failure is: the type the library named,
    else ``invalidValue``, with every message in its detail."""
    errors = Error.from_validation_errors(error)
    detail = "; ".join(dict.fromkeys(e.detail for e in errors if e.detail)) or None
    exception = SCIMException.from_error(errors[0]) if errors else InvalidValueException()
    if not exception.scim_type:
        return InvalidValueException(detail=detail)
    return type(exception)(detail=detail) if detail else exception


def parse(model: type[Parsed], payload: Any, context: Context) -> Parsed:
    """``payload`` read as ``model`` in ``context`` under Roster's tolerance policy."""
    if not isinstance(payload, dict):
        raise InvalidValueException(detail="The body must be a JSON object")
    try:
        return model.model_validate(payload, scim_ctx=context, scim_policy=POLICY)
    except ValidationError as error:
        raise scim_error(error) from None


def if_match_version(if_match: str | None) -> str | None:
    """``If-Match`` as Roster's agent services take it (a strong ``"<n>"``, or ``*``);
    anything that names no version can never match: ``412``."""
    if if_match is None or if_match.strip() == "*":
        return if_match
    match = _IF_MATCH.fullmatch(if_match.strip())
    if match is None:
        raise PreconditionFailedException(detail="If-Match does not name a version")
    return f'"{match["version"]}"'


def weak_etag(version: int) -> str:
    return f'W/"{version}"'


def render(resource: ScimModel, context: Context, *, attributes: list[str] | None = None,
           excluded: list[str] | None = None) -> dict[str, Any]:
    """A resource (or a list of them) as JSON, with only the ``attributes`` asked for
    (or without the ``excluded`` ones); ``id`` and ``schemas`` always (RFC 7644 §3.9)."""
    parameters: ResponseParameters[Any] = ResponseParameters(attributes=attributes or None,
                                    excluded_attributes=excluded or None)
    return resource.model_dump(scim_ctx=context, response_parameters=parameters,
                               scim_policy=POLICY)
