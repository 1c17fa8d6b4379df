"""Pure progress and state arithmetic: periods, the straight line to the deadline, task states,
weighted roll-up. No database access; services and selectors feed it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from .models import CYCLE_MONTHS, Cycle, TaskState


def period_of(day: datetime.date, cycle: str) -> str:
    """The reporting period a date falls in: 2019-03, 2019-Q1, 2019-H1, 2019."""
    if cycle == Cycle.QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if cycle == Cycle.HALF_YEARLY:
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    if cycle == Cycle.YEARLY:
        return str(day.year)
    return f"{day.year}-{day.month:02d}"


def period_start(day: datetime.date, cycle: str) -> datetime.date:
    months = CYCLE_MONTHS.get(cycle, 1)
    month = ((day.month - 1) // months) * months + 1
    return datetime.date(day.year, month, 1)


def previous_period(day: datetime.date, cycle: str) -> tuple[str, datetime.date, datetime.date]:
    """(label, first day, last day) of the last fully elapsed period before ``day``'s period."""
    start = period_start(day, cycle)
    end = start - datetime.timedelta(days=1)
    first = period_start(end, cycle)
    return period_of(end, cycle), first, end


def expected_progress(start: datetime.date, deadline: datetime.date, today: datetime.date) -> float:
    """Straight line from 0 % at the start to 100 % on the deadline."""
    if deadline <= start:
        return 100.0 if today >= deadline else 0.0
    frac = (today - start).days / (deadline - start).days
    return max(0.0, min(100.0, frac * 100))


def compute_state(
    *,
    today: datetime.date,
    start: datetime.date,
    deadline: datetime.date | None,
    progress: float,
    closed: bool,
    completed_on: datetime.date | None,
    reported_periods: set[str],
    cycle: str,
    margin: float,
) -> str:
    """Task state (see docs/reforms.md, “warning rules”)."""
    if closed:
        if deadline and completed_on and completed_on > deadline:
            return TaskState.COMPLETED_LATE
        return TaskState.COMPLETED
    if deadline and today > deadline:
        return TaskState.OVERDUE
    if today < start:
        return TaskState.NOT_STARTED
    label, first, last = previous_period(today, cycle)
    period_due = last >= start  # a whole reporting period has elapsed since the start
    if not reported_periods:
        return TaskState.LAGGING if period_due else TaskState.NOT_STARTED
    if (
        period_due
        and label not in reported_periods
        and period_of(today, cycle) not in (reported_periods)
    ):
        return TaskState.LAGGING
    if deadline and progress < expected_progress(start, deadline, today) - margin:
        return TaskState.LAGGING
    return TaskState.ON_TRACK


def weighted(pairs) -> Decimal:
    """Weighted mean of (value, weight) pairs; 0 when there is no weight."""
    total_w = Decimal(0)
    total = Decimal(0)
    for value, weight in pairs:
        w = Decimal(weight)
        total += Decimal(value) * w
        total_w += w
    if not total_w:
        return Decimal(0)
    return (total / total_w).quantize(Decimal("0.01"))
