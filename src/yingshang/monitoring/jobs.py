"""Scheduled work of the monitoring app (run by `yingshang worker`)."""

from yingshang.platform.audit import audit_context
from yingshang.platform.jobs import periodic


@periodic("monitoring.daily_recompute", every="daily at 02:30")
def daily_recompute():
    """Yesterday's facts; the day and the open week, month, quarter and year rolled up."""
    from .compute import recompute_yesterday

    return str(recompute_yesterday())


@periodic("monitoring.monthly_report", every="monthly on 1 at 06:00")
def monthly_report():
    """The previous month's report (Excel and PDF) under VAR_DIR/reports."""
    import datetime

    from django.utils import timezone

    from .reports import generate

    first = timezone.localdate().replace(day=1)
    month = (first - datetime.timedelta(days=1)).replace(day=1)
    with audit_context(channel="job"):
        return [str(p) for p in generate(month)]
