"""Efficiency supervision (效能监督, "庸懒散浮拖"): per department and per staff member —
sign-for delays, overdue cases, idle cases (no event for N working days), bad ratings, overdue
appeals, lagging tasks — a red-flag list and the monthly 效能通报.

All counts are GROUP BY queries over the owning apps' records, each through ``visible_to(user)``.
Event-type figures (sign-for delays, bad ratings) count the chosen month; state figures (overdue,
idle, lagging) are as of now.

Per staff member, a record counts against the person **responsible for it at the time**: the
staff member who last acted on it (the latest event with a staff actor — accept, supplement
request, suspension, dispatch, reply …), not everyone who ever touched it. A late sign-for counts
against whoever signed; a bad rating against the staff member who last acted on the rated case or
appeal before the rating. Lagging reform tasks belong to lead units only (no staff column).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Department
from yingshang.workdays import calendar as workdays

from .periods import Period
from .sources import day_bounds
from .sources.supervision import supervision_counts

IDLE_WORKING_DAYS_DEFAULT = 5
COLUMNS = [
    ("sign_delays", _("签收超时")),
    ("overdue_cases", _("超期办件")),
    ("idle_cases", _("停滞办件")),
    ("bad_ratings", _("差评")),
    ("overdue_appeals", _("超期诉求")),
    ("lagging_tasks", _("滞后任务")),
]
# A department is red-flagged when any figure reaches its threshold.
RED_FLAG = {
    "sign_delays": 3,
    "overdue_cases": 5,
    "idle_cases": 5,
    "bad_ratings": 3,
    "overdue_appeals": 1,
    "lagging_tasks": 1,
}


def idle_working_days() -> int:
    return int(getattr(settings, "MONITORING_IDLE_WORKING_DAYS", IDLE_WORKING_DAYS_DEFAULT))


def working_days_ago(n: int, today: datetime.date) -> datetime.date:
    """The date n working days before ``today`` (workdays.calendar, with 调休)."""
    day = today
    counted = 0
    while counted < n:
        day -= datetime.timedelta(days=1)
        try:
            if workdays.is_working_day(day):
                counted += 1
        except workdays.OutOfCalendarRange:
            if day.weekday() < 5:
                counted += 1
    return day


def figures(user, month: datetime.date, now=None) -> dict:
    """{"departments": {dept_id: {col: n}}, "staff": {user_id: {col: n}}, ...}."""
    now = now or timezone.now()
    period = Period.of("month", month)
    idle_days = idle_working_days()
    cutoff = workdays.end_of_day(working_days_ago(idle_days, timezone.localdate(now)))
    depts, staff = supervision_counts(user, day_bounds(period.start, period.end), now, cutoff)
    return {"departments": depts, "staff": staff, "idle_days": idle_days}


def table(user, month, now=None) -> dict:
    data = figures(user, month, now)
    from yingshang.core.models import User

    visible_depts = set(Department.objects.visible_to(user).values_list("pk", flat=True))
    names = {
        d.pk: d
        for d in Department.objects.filter(pk__in=data["departments"]).select_related("division")
    }
    rows = []
    for pk, counts in data["departments"].items():
        if pk not in names or (pk not in visible_depts and not user.is_superuser):
            continue
        flags = [c for c, limit in RED_FLAG.items() if counts.get(c, 0) >= limit]
        rows.append(
            {
                "department": names[pk],
                "counts": [counts.get(c, 0) for c, _ in COLUMNS],
                "total": sum(counts.values()),
                "flags": [str(dict(COLUMNS)[c]) for c in flags],
            }
        )
    rows.sort(key=lambda r: (-len(r["flags"]), -r["total"]))
    people = {u.pk: u for u in User.objects.visible_to(user).filter(pk__in=data["staff"])}
    staff_rows = sorted(
        (
            {
                "user": people[pk],
                "counts": [counts.get(c, 0) for c, _ in COLUMNS],
                "total": sum(counts.values()),
            }
            for pk, counts in data["staff"].items()
            if pk in people
        ),
        key=lambda r: -r["total"],
    )
    return {
        "columns": [str(label) for _, label in COLUMNS],
        "departments": rows,
        "red_flags": [r for r in rows if r["flags"]],
        "staff": staff_rows[:50],
        "idle_days": data["idle_days"],
        "month": month.replace(day=1),
        "thresholds": {str(dict(COLUMNS)[c]): n for c, n in RED_FLAG.items()},
    }
