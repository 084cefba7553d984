"""The mass-deactivation alarm: more than ``ALARM_ABOVE`` deactivations by one
provisioning token within a 10-minute window (an identity provider misconfigured, or a
stolen token, is taking the contact centre offline).

Each deactivation adds one to the token's counter for the current window (an atomic
``ADD``, so of N concurrent ones each sees a different count) and emits the
``ScimDeactivations`` metric; the one that makes the count ``ALARM_ABOVE + 1`` emits
``ScimDeactivationBurst`` once, which the CloudWatch alarm in ``template.yaml`` watches.
Windows are fixed (``:00``, ``:10``...): a burst split across two windows alarms once
either half passes the limit.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock
from roster.observability import logger, metrics
from roster.ports.scim import deactivation_counter

ALARM_ABOVE = 50
WINDOW_SECONDS = 600


def count_deactivation(actor_id: str) -> int:
    """Count one deactivation by ``actor_id`` now; the window's count so far."""
    start = clock.epoch(clock.now()) // WINDOW_SECONDS * WINDOW_SECONDS
    count = deactivation_counter().count_deactivation(
        actor_id, str(start), expires_at=start + 2 * WINDOW_SECONDS)
    metrics.add_metric(name="ScimDeactivations", unit=MetricUnit.Count, value=1)
    if count == ALARM_ABOVE + 1:
        metrics.add_metric(name="ScimDeactivationBurst", unit=MetricUnit.Count, value=1)
        logger.warning("Mass deactivation by a provisioning token",
                       extra={"actorId": actor_id, "deactivations": count,
                              "windowSeconds": WINDOW_SECONDS})
    return count
