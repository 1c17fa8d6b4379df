"""Reads of the WeChat channel for staff pages."""

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from .models import RefusalCount, RefusalReason


def _since(days: int):
    """The first day of the last ``days`` days, today included."""
    return timezone.localdate() - timedelta(days=days - 1)


def refusals(days: int = 30) -> dict:
    """The callback's refusals of the last ``days`` days: rows per day and reason (newest first)
    and totals per reason (every reason, zero included)."""
    since = _since(days)
    rows = list(RefusalCount.objects.filter(day__gte=since).order_by("-day", "reason"))
    sums = dict(
        RefusalCount.objects.filter(day__gte=since)
        .values_list("reason")
        .annotate(total=Sum("count"))
        .values_list("reason", "total")
    )
    totals = [(reason.label, sums.get(reason.value, 0)) for reason in RefusalReason]
    return {"since": since, "rows": rows, "totals": totals, "total": sum(sums.values())}


def refusals_since(days: int) -> int:
    return RefusalCount.objects.filter(day__gte=_since(days)).aggregate(n=Sum("count"))["n"] or 0
