"""Reads of the reforms app, scoped to the user: schedules, task books, roll-up, statistics,
escalation and flagged units."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from yingshang.core.models import Department

from .models import (
    EvidenceFile,
    Measure,
    Programme,
    ProgressReport,
    Reminder,
    ReminderReason,
    ReportStatus,
    Task,
    TaskState,
)
from .progress import weighted

DONE = (TaskState.COMPLETED, TaskState.COMPLETED_LATE)


def programme_for_staff(user, pk) -> Programme:
    return Programme.objects.get_visible_or_404(user, pk=pk)


def task_for_staff(user, pk) -> Task:
    return Task.objects.get_visible_or_404(user, pk=pk)


def department_for_staff(user, pk) -> Department:
    return Department.objects.get_visible_or_404(user, pk=pk)


def report_for_review(user, task, pk) -> ProgressReport:
    """A report of ``task`` the user may see, or 404."""
    report = ProgressReport.objects.visible_to(user).filter(task=task, pk=pk).first()
    if report is None:
        raise Http404
    return report


def evidence_for_staff(user, pk) -> EvidenceFile:
    """An evidence file whose task the user may see, or 404."""
    ev = EvidenceFile.objects.get_visible_or_404(user, pk=pk)
    if not Task.objects.visible_to(user).filter(pk=ev.task_id).exists():
        raise Http404
    return ev


def measures_of(programme):
    return Measure.objects.filter(programme=programme)


def lead_units_of(programme):
    """The departments leading a task of the programme (the filter and task-book choices)."""
    return (
        Department.objects.filter(reform_tasks_led__programme=programme).distinct().order_by("name")
    )


def leaders_of(programme) -> list[str]:
    return sorted(
        set(
            Task.objects.filter(programme=programme)
            .exclude(leader_name="")
            .values_list("leader_name", flat=True)
        )
    )


def programmes_for(user):
    return Programme.objects.visible_to(user).select_related("division")


def tasks_for(user, programme=None, *, leader="", unit=None, measure=None, state="", q=""):
    qs = (
        Task.objects.visible_to(user)
        .select_related("measure", "programme")
        .prefetch_related(
            Prefetch("lead_units", queryset=Department.objects.only("id", "name")),
            Prefetch("partner_units", queryset=Department.objects.only("id", "name")),
        )
    )
    if programme is not None:
        qs = qs.filter(programme=programme)
    if leader:
        qs = qs.filter(leader_name=leader)
    if unit:
        sub = Task.objects.filter(Q(lead_units=unit) | Q(partner_units=unit)).values("pk")
        qs = qs.filter(pk__in=sub)
    if measure:
        qs = qs.filter(measure_id=measure)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(content__icontains=q) | Q(number=q))
    return qs.order_by("seq", "id")


def task_book(user, programme, department):
    """任务书: the tasks a department leads and the tasks it joins."""
    base = tasks_for(user, programme)
    led = base.filter(pk__in=Task.objects.filter(lead_units=department).values("pk"))
    joined = base.filter(pk__in=Task.objects.filter(partner_units=department).values("pk"))
    return list(led), list(joined.exclude(pk__in=led.values("pk")))


def rollup(programme) -> dict:
    """Progress from tasks to measures to the programme, by weight (task progress already rolls
    up its milestones)."""
    by_measure = defaultdict(list)
    for measure_id, progress, weight in Task.objects.filter(programme=programme).values_list(
        "measure_id", "progress", "weight"
    ):
        by_measure[measure_id].append((progress, weight))
    measures = []
    for m in Measure.objects.filter(programme=programme).order_by("number"):
        value = weighted(by_measure.get(m.pk, []))
        measures.append({"measure": m, "progress": value, "tasks": len(by_measure.get(m.pk, []))})
    total = weighted((row["progress"], row["measure"].weight) for row in measures if row["tasks"])
    return {"programme": total, "measures": measures}


def state_counts(tasks) -> dict[str, int]:
    counts = {s: 0 for s in TaskState.values}
    for t in tasks:
        counts[t.state] += 1
    return counts


def _rate(num, den) -> float | None:
    return round(100 * num / den, 1) if den else None


def statistics(user, programme, today: datetime.date | None = None) -> dict:
    """Tasks led per unit; completion and on-time rates per unit and per leader.

    completion rate = completed (on time or late) / tasks led;
    on-time rate = completed on time / tasks already due (closed, or deadline passed)."""
    today = today or timezone.localdate()
    tasks = list(tasks_for(user, programme))
    per_unit: dict[int, dict] = {}
    per_leader: dict[str, dict] = {}

    def bump(bucket, t):
        bucket["tasks"] += 1
        bucket["completed"] += t.state in DONE
        bucket["on_time"] += t.state == TaskState.COMPLETED
        due = t.state in DONE or (t.deadline is not None and t.deadline < today)
        bucket["due"] += due

    for t in tasks:
        for d in t.lead_units.all():
            b = per_unit.setdefault(
                d.pk, {"unit": d.name, "tasks": 0, "completed": 0, "on_time": 0, "due": 0}
            )
            bump(b, t)
        key = t.leader or "—"
        b = per_leader.setdefault(
            key, {"leader": key, "tasks": 0, "completed": 0, "on_time": 0, "due": 0}
        )
        bump(b, t)
    units = sorted(per_unit.values(), key=lambda b: (-b["tasks"], b["unit"]))
    leaders = sorted(per_leader.values(), key=lambda b: (-b["tasks"], b["leader"]))
    for b in units + leaders:
        b["completion_rate"] = _rate(b["completed"], b["tasks"])
        b["on_time_rate"] = _rate(b["on_time"], b["due"])
    return {
        "total": len(tasks),
        "units": units,
        "leaders": leaders,
        "states": state_counts(tasks),
    }


def escalation_list(user, programme, today=None):
    """督办升级: tasks for city leaders — overdue, or lagging after repeated reminders."""
    threshold = getattr(settings, "REFORMS_ESCALATE_AFTER_REMINDERS", 2)
    qs = tasks_for(user, programme).annotate(n_reminders=Count("reminders", distinct=True))
    return [
        t
        for t in qs
        if t.state == TaskState.OVERDUE
        or (t.state == TaskState.LAGGING and t.n_reminders >= threshold)
    ]


def flagged_units(user, programme):
    """“庸懒散浮拖”: lead units with repeated missing reports or several overdue tasks."""
    missing_limit = getattr(settings, "REFORMS_FLAG_MISSING_REPORTS", 3)
    overdue_limit = getattr(settings, "REFORMS_FLAG_OVERDUE_TASKS", 2)
    tasks = tasks_for(user, programme)
    missing = defaultdict(int)
    for dept_id, n in (
        Reminder.objects.filter(task__in=tasks, reason=ReminderReason.MISSING_REPORT)
        .values_list("department_id")
        .annotate(n=Count("id"))
    ):
        missing[dept_id] = n
    overdue = defaultdict(int)
    for t in tasks.filter(state=TaskState.OVERDUE):
        for d in t.lead_units.all():
            overdue[d.pk] += 1
    out = []
    names = dict(
        Department.objects.filter(pk__in=set(missing) | set(overdue)).values_list("id", "name")
    )
    for dept_id in set(missing) | set(overdue):
        reasons = []
        if missing[dept_id] >= missing_limit:
            reasons.append("missing")
        if overdue[dept_id] >= overdue_limit:
            reasons.append("overdue")
        if reasons:
            out.append(
                {
                    "department_id": dept_id,
                    "unit": names.get(dept_id, ""),
                    "missing_reports": missing[dept_id],
                    "overdue_tasks": overdue[dept_id],
                    "reasons": reasons,
                }
            )
    return sorted(out, key=lambda r: (-r["overdue_tasks"], -r["missing_reports"], r["unit"]))


def reminders_for(user, programme):
    return (
        Reminder.objects.visible_to(user)
        .filter(task__in=tasks_for(user, programme).values("pk"))
        .select_related("task", "department")
    )


def pending_reviews(user, programme):
    return (
        ProgressReport.objects.visible_to(user)
        .filter(task__in=tasks_for(user, programme).values("pk"), status=ReportStatus.SUBMITTED)
        .select_related("task", "department", "author")
        .order_by("submitted_at")
    )


def timeline(tasks, programme, today=None) -> dict:
    """Gantt rows: bar offsets in percent of the programme's span."""
    today = today or timezone.localdate()
    tasks = list(tasks)
    start = min([programme.issue_date] + [t.start_date for t in tasks])
    ends = [t.deadline for t in tasks if t.deadline] + [
        today,
        datetime.date(programme.year, 12, 31),
    ]
    end = max(ends)
    span = max((end - start).days, 1)
    rows = []
    for t in tasks:
        bar_end = t.deadline or end
        left = 100 * (t.start_date - start).days / span
        width = max(0.5, 100 * (bar_end - t.start_date).days / span)
        rows.append(
            {
                "task": t,
                "left": round(left, 2),
                "width": round(min(width, 100 - left), 2),
                "done": float(t.progress),
                "standing": t.deadline is None,
            }
        )
    months = []
    d = datetime.date(start.year, start.month, 1)
    while d <= end:
        months.append(
            {
                "label": f"{d.year}-{d.month:02d}",
                "left": round(100 * max((d - start).days, 0) / span, 2),
            }
        )
        d = datetime.date(d.year + (d.month // 12), d.month % 12 + 1, 1)
    return {
        "rows": rows,
        "months": months,
        "today": round(100 * (today - start).days / span, 2) if start <= today <= end else None,
        "start": start,
        "end": end,
    }


def overall(programme) -> Decimal:
    return rollup(programme)["programme"]
