"""The 效能监督 adapter: per department and per responsible staff member, the counts of the
upstream apps' records (sign-for delays, overdue and idle cases, bad ratings, overdue appeals,
lagging tasks), each through the owning app's ``visible_to(user)``. ``monitoring.supervision``
turns them into the table, the red flags and the monthly 效能通报."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from . import model
from .evaluations import BAD_MAX_LEVEL


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


def supervision_counts(user, bounds, now, idle_cutoff) -> tuple[dict, dict]:
    """(departments, staff): {id: {column: n}} for the month ``bounds`` = (lo, hi) (event
    figures) and as of ``now`` (state figures); idle = no event since ``idle_cutoff``."""
    from yingshang.cases.public import state_q

    lo, hi = bounds
    cutoff = idle_cutoff
    depts: dict = defaultdict(lambda: defaultdict(int))
    staff: dict = defaultdict(lambda: defaultdict(int))
    Case = model("cases.Case")
    CaseEvent = model("cases.CaseEvent")
    if Case is not None:
        open_cases = Case.objects.visible_to(user).filter(
            status__in=("submitted", "prechecking", "accepted", "in_process", "pending_approval"),
            item__isnull=False,
        )
        overdue = open_cases.filter(state_q("overdue", now))
        for r in overdue.values("department_id").annotate(n=Count("id")).order_by():
            depts[r["department_id"]]["overdue_cases"] += r["n"]
        _count_by_responsible(overdue, CaseEvent.objects, "case", "overdue_cases", staff)
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
    return depts, staff


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
