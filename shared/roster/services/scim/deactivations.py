"""The mass-deactivation alarm: more than ``ALARM_ABOVE`` deactivations (or deletes) by
one provisioning token within any 10 minutes (an identity provider misconfigured, or a
stolen token, is taking the contact centre offline).

Each one adds one to the token's counter for the current minute (an atomic ``ADD``) and
sums it with the nine minutes before (one read): a sliding 10-minute count, so a burst
split across two clock windows alarms too. It emits the ``ScimDeactivations`` metric;
the one that takes the count past ``ALARM_ABOVE`` emits ``ScimDeactivationBurst``, which
the CloudWatch alarm in ``template.yaml`` watches.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock
from roster.observability import logger, metrics
from roster.ports.scim import deactivation_counter

ALARM_ABOVE = 50
WINDOW_SECONDS = 600
BUCKET_SECONDS = 60


def count_deactivation(actor_id: str) -> int:
    """Count one deactivation by ``actor_id`` now; the count over the last 10 minutes."""
    minute = clock.epoch(clock.now()) // BUCKET_SECONDS * BUCKET_SECONDS
    counter = deactivation_counter()
    this_minute = counter.count_deactivation(
        actor_id, str(minute), expires_at=minute + 2 * WINDOW_SECONDS)
    before = counter.deactivations_in(actor_id, [
        str(minute - step * BUCKET_SECONDS)
        for step in range(1, WINDOW_SECONDS // BUCKET_SECONDS)])
    count = this_minute + before
    metrics.add_metric(name="ScimDeactivations", unit=MetricUnit.Count, value=1)
    if count == ALARM_ABOVE + 1 or (count > ALARM_ABOVE and this_minute == 1):
        metrics.add_metric(name="ScimDeactivationBurst", unit=MetricUnit.Count, value=1)
        logger.warning("Mass deactivation by a provisioning token",
                       extra={"actorId": actor_id, "deactivations": count,
                              "windowSeconds": WINDOW_SECONDS})
    return count
