"""Reads of the reforms app, scoped to the user: schedules, task books, roll-up, statistics,
escalation and flagged units."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from yingshang.core.models import Department

from .models import (
    EventKind,
    EvidenceFile,
    Measure,
    Milestone,
    Programme,
    ProgressReport,
    Reminder,
    ReminderReason,
    ReportStatus,
    Task,
    TaskEvent,
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


def rollup(programme, tasks=None, progress_of: dict | None = None) -> dict:
    """Progress from tasks to measures to the programme, by weight (task progress already rolls
    up its milestones). ``tasks`` limits the roll-up and ``progress_of`` (task id → percent)
    replaces the tasks' progress — the public page rolls up public tasks' accepted progress."""
    by_measure = defaultdict(list)
    if tasks is None:
        tasks = Task.objects.filter(programme=programme)
    rows = tasks.values_list("pk", "measure_id", "progress", "weight")
    for pk, measure_id, progress, weight in rows:
        if progress_of is not None:
            progress = progress_of.get(pk, Decimal(0))
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


# --- public pages (政务公开): no user, only published programmes and their public tasks ------


def public_programmes():
    return Programme.objects.filter(published_at__isnull=False).select_related("division")


def public_programme_or_404(slug: str) -> Programme:
    """A published programme by its public code; unpublished ones do not exist publicly."""
    try:
        return public_programmes().get(slug=slug)
    except Programme.DoesNotExist as exc:
        raise Http404 from exc


def public_tasks(programme):
    """The tasks a published programme shows: not withheld, with units and milestones."""
    return (
        Task.objects.filter(programme=programme, programme__published_at__isnull=False)
        .filter(is_public=True)
        .select_related("measure")
        .prefetch_related(
            Prefetch("lead_units", queryset=Department.objects.only("id", "name")),
            Prefetch("partner_units", queryset=Department.objects.only("id", "name")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "id")),
        )
        .order_by("seq", "id")
    )


def public_progress(task, report) -> Decimal:
    """The progress the public sees: that of the last accepted report (a submitted report is
    not public until the bureau accepts it); 100 once the task is closed."""
    if task.closed_at is not None:
        return Decimal(100)
    return report.percent if report is not None else Decimal(0)


def public_rollup(programme, tasks, reports: dict | None = None) -> dict:
    """``rollup`` of the public tasks (a queryset) with their public progress (``reports``:
    their ``last_accepted_reports`` when the caller already has them)."""
    if reports is None:
        reports = last_accepted_reports(tasks)
    closed = set(tasks.filter(closed_at__isnull=False).values_list("pk", flat=True))
    progress_of = {pk: Decimal(100) for pk in closed}
    for pk, r in reports.items():
        progress_of.setdefault(pk, r.percent)
    return rollup(programme, tasks, progress_of)


def last_accepted_reports(tasks) -> dict[int, ProgressReport]:
    """The latest *accepted* report per task (submitted, returned reports never appear)."""
    ids = tasks.values("pk") if isinstance(tasks, QuerySet) else [t.pk for t in tasks]
    latest = (
        ProgressReport.objects.filter(task=OuterRef("pk"), status=ReportStatus.ACCEPTED)
        .order_by("-submitted_at", "-id")
        .values("pk")[:1]
    )
    report_ids = (
        Task.objects.filter(pk__in=ids)
        .annotate(report_id=Subquery(latest))
        .exclude(report_id=None)
        .values_list("report_id", flat=True)
    )
    reports = ProgressReport.objects.filter(pk__in=report_ids).only(
        "id", "task_id", "period", "percent", "text", "submitted_at", "reviewed_at"
    )
    return {r.task_id: r for r in reports}


def public_changes(programmes, limit: int = 50) -> list[dict]:
    """Changes of published programmes for the Atom feed, newest first: publication, accepted
    reports and state (light) changes of public tasks. Review notes, authors and reviewers
    are never read."""
    programmes = list(programmes.filter(published_at__isnull=False))
    tasks = Task.objects.filter(programme__in=programmes, is_public=True)
    rows: list[dict] = [
        {
            "kind": "programme",
            "key": f"programme:{p.pk}:{int(p.published_at.timestamp())}",
            "at": p.published_at,
            "programme": p,
        }
        for p in programmes
    ]
    by_pk = {p.pk: p for p in programmes}
    reports = (
        ProgressReport.objects.filter(task__in=tasks, status=ReportStatus.ACCEPTED)
        .select_related("task")
        .order_by("-reviewed_at", "-id")[:limit]
    )
    rows += [
        {
            "kind": "report",
            "key": f"report:{r.pk}",
            "at": r.reviewed_at or r.submitted_at,
            "report": r,
            "task": r.task,
            "programme": by_pk[r.task.programme_id],
        }
        for r in reports
    ]
    events = (
        TaskEvent.objects.filter(task__in=tasks, action__in=[EventKind.STATE, EventKind.PUBLISHED])
        .select_related("task")
        .order_by("-at", "-id")[:limit]
    )
    rows += [
        {
            "kind": e.action,
            "key": f"event:{e.pk}",
            "at": e.at,
            "event": e,
            "task": e.task,
            "programme": by_pk[e.task.programme_id],
        }
        for e in events
    ]
    rows.sort(key=lambda r: (r["at"], r["key"]), reverse=True)
    return rows[:limit]
