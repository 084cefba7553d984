"""The scheduled cleanup: what has expired goes, before TTL gets round to it.

Expired pending email changes end (token deleted, ``pendingEmail`` removed from the
profile, an audit event each); any other item in the sparse ``expiring`` index whose time
has passed is deleted. Every delete is conditional on the ``expiresAt`` the index showed,
so a run never removes something renewed meanwhile, and running twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock
from roster.models.audit import AuditEvent
from roster.models.cleanup import CleanupSummary
from roster.observability import logger, metrics
from roster.ports.cleanup import expiry_store


def _expiry_audit(agent_id: str) -> AuditEvent:
    return AuditEvent(actorId=None, action="agent.email_change_expired", targetId=agent_id)


# Stop paging with this much of the invocation left; the next run carries on.
SAFETY_MARGIN_MS = 30_000


def run(time_left_ms: Callable[[], int] | None = None) -> CleanupSummary:
    """One pass over what has expired, until done or the invocation's time runs short."""
    repository = expiry_store()
    now = clock.iso(clock.now())
    summary = CleanupSummary()
    for page in repository.expired_pages(now):
        if time_left_ms is not None and time_left_ms() < SAFETY_MARGIN_MS:
            summary.complete = False
            break
        summary.read += len(page)
        changes = [entry for entry in page if entry.email_change_of is not None]
        others = [entry for entry in page if entry.email_change_of is None]
        removed, skipped = repository.expire_email_changes(changes, updated_at=now,
                                                          audit=_expiry_audit)
        summary.expiredEmailChanges += removed
        summary.skipped += skipped
        removed, skipped = repository.delete_expired(others)
        summary.expiredItems += removed
        summary.skipped += skipped
    metrics.add_metric(name="CleanupItemsRead", unit=MetricUnit.Count, value=summary.read)
    metrics.add_metric(name="CleanupEmailChangesExpired", unit=MetricUnit.Count,
                       value=summary.expiredEmailChanges)
    metrics.add_metric(name="CleanupItemsExpired", unit=MetricUnit.Count,
                       value=summary.expiredItems)
    metrics.add_metric(name="CleanupItemsSkipped", unit=MetricUnit.Count,
                       value=summary.skipped)
    logger.info("cleanup finished", extra=summary.model_dump())
    return summary
