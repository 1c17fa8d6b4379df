"""Periodic jobs of the notification centre (registered with core/jobs.py)."""

from datetime import timedelta

from yingshang.core.jobs import periodic

from . import services


@periodic("notifications.retry_failed_deliveries", every=timedelta(minutes=1))
def retry_failed_deliveries() -> int:
    """Re-enqueue deliveries whose back-off has passed."""
    return services.retry_due()


@periodic("notifications.prune_scheduler_history", every="daily at 03:30")
def prune_scheduler_history() -> int:
    return services.prune_history(days=30)
