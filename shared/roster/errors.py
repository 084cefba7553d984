"""Domain errors: each carries its HTTP status and the contract's stable ``code``.

Handlers never build error responses themselves: they raise one of these and the
resolver's exception handler (``roster.api``) renders an RFC 9457 problem document.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://roster.dev/problems/"


class RosterError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        **extra: Any,
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors or []
        self.extra = extra
        super().__init__(self.detail)

    def problem(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if self.errors:
            document["errors"] = self.errors
        document.update(self.extra)
        return document


def problem_document(status: int, code: str, title: str, detail: str) -> dict[str, Any]:
    """A problem document for errors that are not domain exceptions (gateway, routing)."""
    return {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
    }


# 400
class InvalidCursor(RosterError):
    code, title = "invalid_cursor", "The pagination cursor is not valid"


class InvalidCode(RosterError):
    """Password-recovery code: one answer for wrong, expired, used or exhausted."""

    code, title = "invalid_code", "The code is not valid"


class InvalidVerificationToken(RosterError):
    code, title = "invalid_token", "The verification token is not valid"


# 401
class Unauthorized(RosterError):
    status, code, title = 401, "unauthorized", "Authentication required"


class InvalidCredentials(RosterError):
    status, code, title = 401, "invalid_credentials", "The login or password is not correct"


class TemporaryPasswordExpired(RosterError):
    status, code, title = (
        401,
        "temporary_password_expired",
        "The temporary password has expired; ask an administrator for a new one",
    )


class InvalidTwoFactorCode(RosterError):
    status, code, title = 401, "invalid_code", "The code is not valid"


class InvalidSession(RosterError):
    status, code, title = 401, "invalid_session", "The sign-in session is not valid or has expired"


class InvalidToken(RosterError):
    status, code, title = 401, "invalid_token", "The token is not valid"


# 403
class Forbidden(RosterError):
    status, code, title = 403, "forbidden", "You do not have permission to do this"


class AccountInactive(RosterError):
    status, code, title = 403, "account_inactive", "The account is not active"


class IpNotAllowed(RosterError):
    status, code, title = 403, "ip_not_allowed", "Sign-in is not allowed from this address"


# 404
class NotFound(RosterError):
    status, code, title = 404, "not_found", "Not found"


class NoPendingEmail(RosterError):
    status, code, title = 404, "no_pending_email", "There is no pending email change"


class MethodNotAllowed(RosterError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


# 409
class AccountTaken(RosterError):
    status, code, title = 409, "account_taken", "The account name is already in use"


class EmailTaken(RosterError):
    status, code, title = 409, "email_taken", "The email address is already in use"


class NumericIdTaken(RosterError):
    status, code, title = 409, "numeric_id_taken", "The numeric id is already in use"


class ExternalIdTaken(RosterError):
    status, code, title = (409, "external_id_taken",
                           "Another agent has this identity provider id (externalId)")


class OwnerProtected(RosterError):
    status, code, title = 409, "owner_protected", "The owner account cannot be changed this way"


class HasAssignments(RosterError):
    status, code, title = 409, "has_assignments", "The agent still has assignments"


class AgentLoggedOn(RosterError):
    status, code, title = 409, "agent_logged_on", "The agent is logged on to a queue"


class AlreadyExists(RosterError):
    status, code, title = 409, "already_exists", "An item with this id already exists"


class InUse(RosterError):
    status, code, title = 409, "in_use", "The item is still in use"


class BuiltIn(RosterError):
    status, code, title = 409, "built_in", "Built-in items cannot be changed this way"


class IdempotencyKeyReused(RosterError):
    status, code, title = (
        409,
        "idempotency_key_reused",
        "The Idempotency-Key was already used with a different request",
    )


class IdempotencyInProgress(RosterError):
    status, code, title = (
        409,
        "idempotency_in_progress",
        "A request with this Idempotency-Key is still being processed",
    )


class TwoFactorAlreadyEnabled(RosterError):
    status, code, title = 409, "two_factor_already_enabled", "Two-factor sign-in is already on"


class TwoFactorNotEnabled(RosterError):
    status, code, title = 409, "two_factor_not_enabled", "Two-factor sign-in is not on"


class PasswordExists(RosterError):
    """A first password offered for an agent that has one (SCIM's ``password``)."""

    status, code, title = 409, "password_exists", "The agent has a password already"


class ConcurrentChange(RosterError):
    status, code, title = 409, "concurrent_change", "The item changed meanwhile; try again"


class RowAlreadyDone(RosterError):
    """An import row's marker is there: an earlier delivery of it committed (internal:
    the worker skips the row; never an HTTP answer)."""

    status, code, title = 409, "row_already_done", "The import row was already done"


# 412
class VersionConflict(RosterError):
    status, code, title = 412, "version_conflict", "The agent was changed by someone else"


# 422
class ValidationFailed(RosterError):
    status, code, title = 422, "validation_failed", "The request is not valid"


class PasswordPolicy(RosterError):
    status, code, title = 422, "password_policy", "The password does not meet the policy"


class PasswordMismatch(RosterError):
    status, code, title = 422, "password_mismatch", "The passwords do not match"


class UnknownReference(RosterError):
    status, code, title = 422, "unknown_reference", "A referenced item does not exist"


class InvalidCsv(RosterError):
    status, code, title = 422, "invalid_csv", "The file is not a CSV file Roster can read"


class UnknownColumn(RosterError):
    status, code, title = 422, "unknown_column", "The file has a column Roster does not know"


class ImmutableField(RosterError):
    status, code, title = 422, "immutable_field", "The field cannot be changed"


class InvalidReassignTarget(RosterError):
    status, code, title = 422, "invalid_reassign_target", "The reassignment target is not valid"


# 413
class PayloadTooLarge(RosterError):
    status, code, title = 413, "payload_too_large", "The request body is too large"


# 423 / 429
class AccountLocked(RosterError):
    status, code, title = 423, "account_locked", "The account is locked; ask an administrator"


class TooManyAttempts(RosterError):
    status, code, title = 429, "too_many_attempts", "Too many attempts; try again later"


# 503
class ServiceUnavailable(RosterError):
    """DynamoDB stayed busy (throttling, transaction conflicts) through every retry;
    ``retryAfter`` (seconds) goes to the ``Retry-After`` header too."""

    status, code, title = 503, "service_unavailable", "The service is busy; try again shortly"
