"""Efficiency supervision (效能监督, "庸懒散浮拖"): per department and per staff member —
sign-for delays, overdue cases, idle cases (no event for N working days), bad ratings, overdue
appeals, lagging tasks — a red-flag list and the monthly 效能通报.

All counts are GROUP BY queries over the owning apps' records, each through ``visible_to(user)``.
Event-type figures (sign-for delays, bad ratings) count the chosen month; state figures (overdue,
idle, lagging) are as of now.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from yingshang.core import workdays
from yingshang.core.models import Department

from .sources import day_bounds, model

IDLE_WORKING_DAYS_DEFAULT = 5
COLUMNS = [
    ("sign_delays", "签收超时"),
    ("overdue_cases", "超期办件"),
    ("idle_cases", "停滞办件"),
    ("bad_ratings", "差评"),
    ("overdue_appeals", "超期诉求"),
    ("lagging_tasks", "滞后任务"),
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
    """The date n working days before ``today`` (core.workdays calendar, with 调休)."""
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


def month_bounds(month: datetime.date):
    start = month.replace(day=1)
    nxt = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, nxt - datetime.timedelta(days=1)


def figures(user, month: datetime.date, now=None) -> dict:
    """{"departments": {dept_id: {col: n}}, "staff": {user_id: {col: n}}, ...}."""
    now = now or timezone.now()
    start, end = month_bounds(month)
    lo, hi = day_bounds(start, end)
    depts: dict = defaultdict(lambda: defaultdict(int))
    staff: dict = defaultdict(lambda: defaultdict(int))
    idle_days = idle_working_days()

    Case = model("cases.Case")
    CaseEvent = model("cases.CaseEvent")
    if Case is not None:
        from yingshang.cases.sla import state_q

        open_cases = Case.objects.visible_to(user).filter(
            status__in=("submitted", "prechecking", "accepted", "in_process"),
            item__isnull=False,
        )
        overdue = open_cases.filter(state_q("overdue", now))
        for r in overdue.values("department_id").annotate(n=Count("id")).order_by():
            depts[r["department_id"]]["overdue_cases"] += r["n"]
        for r in (
            CaseEvent.objects.filter(case__in=overdue, actor__isnull=False)
            .values("actor_id")
            .annotate(n=Count("case", distinct=True))
            .order_by()
        ):
            staff[r["actor_id"]]["overdue_cases"] += r["n"]
        cutoff = workdays.end_of_day(working_days_ago(idle_days, timezone.localdate(now)))
        last = CaseEvent.objects.filter(case=OuterRef("pk")).order_by().values("case")
        last = last.annotate(m=Max("at")).values("m")[:1]
        idle = open_cases.annotate(last_at=Subquery(last)).filter(last_at__lt=cutoff)
        for r in idle.values("department_id").annotate(n=Count("id")).order_by():
            depts[r["department_id"]]["idle_cases"] += r["n"]

    Appeal = model("appeals.Appeal")
    AppealEvent = model("appeals.AppealEvent")
    if Appeal is not None:
        appeals = Appeal.objects.visible_to(user)
        late_sign = appeals.filter(submitted_at__gte=lo, submitted_at__lt=hi).filter(
            Q(signed_at__gt=F("sign_due")) | Q(signed_at__isnull=True, sign_due__lt=now)
        )
        for r in late_sign.values("lead_department_id").annotate(n=Count("id")).order_by():
            if r["lead_department_id"]:
                depts[r["lead_department_id"]]["sign_delays"] += r["n"]
        for r in (
            AppealEvent.objects.filter(appeal__in=late_sign, action="sign", actor__isnull=False)
            .values("actor_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            staff[r["actor_id"]]["sign_delays"] += r["n"]
        overdue_appeals = appeals.exclude(status="closed").filter(
            due_at__lt=now, replied_at__isnull=True
        )
        for r in overdue_appeals.values("lead_department_id").annotate(n=Count("id")).order_by():
            if r["lead_department_id"]:
                depts[r["lead_department_id"]]["overdue_appeals"] += r["n"]

    Evaluation = model("evaluations.Evaluation")
    if Evaluation is not None:
        for r in (
            Evaluation.objects.visible_to(user)
            .filter(voided=False, level__lte=2, created_at__gte=lo, created_at__lt=hi)
            .values("department_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            depts[r["department_id"]]["bad_ratings"] += r["n"]

    Task = model("reforms.Task")
    if Task is not None:
        today = timezone.localdate(now)
        lagging = Task.objects.visible_to(user).filter(
            (
                Q(deadline_kind="date", deadline__lt=today, completed_on__isnull=True)
                | Q(state__in=("lagging", "overdue"))
            ),
            closed_at__isnull=True,
        )
        for r in lagging.values("lead_units").annotate(n=Count("id", distinct=True)).order_by():
            if r["lead_units"]:
                depts[r["lead_units"]]["lagging_tasks"] += r["n"]
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
                "flags": [dict(COLUMNS)[c] for c in flags],
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
        "columns": [label for _, label in COLUMNS],
        "departments": rows,
        "red_flags": [r for r in rows if r["flags"]],
        "staff": staff_rows[:50],
        "idle_days": data["idle_days"],
        "month": month.replace(day=1),
        "thresholds": {dict(COLUMNS)[c]: n for c, n in RED_FLAG.items()},
    }


def context(request) -> dict:
    text = request.GET.get("month") or ""
    try:
        month = datetime.date.fromisoformat(text + "-01") if text else timezone.localdate()
    except ValueError:
        month = timezone.localdate()
    return table(request.user, month)
