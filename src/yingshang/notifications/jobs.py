"""Periodic jobs of the notification centre (registered with platform/jobs.py)."""

from datetime import timedelta

from yingshang.platform.jobs import periodic

from . import services


@periodic("notifications.retry_failed_deliveries", every=timedelta(minutes=1))
def retry_failed_deliveries() -> int:
    """Re-enqueue deliveries whose back-off has passed."""
    return services.retry_due()


@periodic("notifications.daily_digest", every="daily at 18:00")
def daily_digest() -> int:
    """每日汇总: one message a day to the people who chose the digest."""
    return services.send_digests()
