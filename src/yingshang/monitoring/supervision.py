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
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingshang.core.models import Department
from yingshang.workdays import calendar as workdays

from .sources import day_bounds, model
from .sources.evaluations import BAD_MAX_LEVEL

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


def month_bounds(month: datetime.date):
    start = month.replace(day=1)
    nxt = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, nxt - datetime.timedelta(days=1)


def last_staff_actor(events, link: str, outer: str = "pk") -> Subquery:
    """Subquery: the user id of the latest event on the outer record whose actor is staff."""
    latest = events.filter(**{link: OuterRef(outer)}, actor__isnull=False, actor__role__gt="")
    return Subquery(latest.order_by("-at", "-id").values("actor_id")[:1])


def _count_by_responsible(qs, events, link: str, column: str, staff: dict) -> None:
    rows = (
        qs.annotate(responsible=last_staff_actor(events, link))
        .filter(responsible__isnull=False)
        .values("responsible")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        staff[r["responsible"]][column] += r["n"]


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
        _count_by_responsible(overdue, CaseEvent.objects, "case", "overdue_cases", staff)
        cutoff = workdays.end_of_day(working_days_ago(idle_days, timezone.localdate(now)))
        last = CaseEvent.objects.filter(case=OuterRef("pk")).order_by().values("case")
        last = last.annotate(m=Max("at")).values("m")[:1]
        idle = open_cases.annotate(last_at=Subquery(last)).filter(last_at__lt=cutoff)
        for r in idle.values("department_id").annotate(n=Count("id")).order_by():
            depts[r["department_id"]]["idle_cases"] += r["n"]
        _count_by_responsible(idle, CaseEvent.objects, "case", "idle_cases", staff)

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
        _count_by_responsible(
            overdue_appeals, AppealEvent.objects, "appeal", "overdue_appeals", staff
        )

    Evaluation = model("evaluations.Evaluation")
    if Evaluation is not None:
        for r in (
            Evaluation.objects.visible_to(user)
            .filter(voided=False, level__lte=BAD_MAX_LEVEL, created_at__gte=lo, created_at__lt=hi)
            .values("department_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            depts[r["department_id"]]["bad_ratings"] += r["n"]
        _bad_ratings_by_staff(user, lo, hi, staff)

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


def _bad_ratings_by_staff(user, lo, hi, staff) -> None:
    """Bad ratings of cases and appeals → the staff member who last acted on the subject before
    the rating was given."""
    from django.contrib.contenttypes.models import ContentType

    Evaluation = model("evaluations.Evaluation")
    bad = Evaluation.objects.visible_to(user).filter(
        voided=False, level__lte=BAD_MAX_LEVEL, created_at__gte=lo, created_at__lt=hi
    )
    for label, event_label, link in (
        ("cases.Case", "cases.CaseEvent", "case"),
        ("appeals.Appeal", "appeals.AppealEvent", "appeal"),
    ):
        subject, events = model(label), model(event_label)
        if subject is None or events is None:
            continue
        latest = events.objects.filter(
            **{f"{link}_id": Cast(OuterRef("object_id"), IntegerField())},
            at__lte=OuterRef("created_at"),
            actor__isnull=False,
            actor__role__gt="",
        )
        rows = (
            bad.filter(content_type=ContentType.objects.get_for_model(subject))
            .annotate(responsible=Subquery(latest.order_by("-at", "-id").values("actor_id")[:1]))
            .filter(responsible__isnull=False)
            .values("responsible")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in rows:
            staff[r["responsible"]]["bad_ratings"] += r["n"]


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


def context(request) -> dict:
    text = request.GET.get("month") or ""
    try:
        month = datetime.date.fromisoformat(text + "-01") if text else timezone.localdate()
    except ValueError:
        month = timezone.localdate()
    return table(request.user, month)
