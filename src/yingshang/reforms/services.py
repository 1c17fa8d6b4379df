"""Writes of the reforms app: one function per use case, each in a transaction. Every state
change of a task appends a TaskEvent (actor, time, note)."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingshang.core.models import Department
from yingshang.core.policies import staff_users
from yingshang.platform import uploads

from . import matching
from .machines import ReportReviewMachine as REVIEWS
from .models import (
    Contribution,
    DeadlineKind,
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
    TaskState,
)
from .parsing import ParseResult
from .policies import (  # noqa: F401
    BUREAU_FUNCTION,
    can_publish,
    is_bureau,
    policy,
    user_joins,
    user_leads,
)
from .progress import compute_state, period_of, previous_period, weighted

log = logging.getLogger(__name__)

# --- permissions ---------------------------------------------------------------------------


def _require_bureau(user):
    policy.check(user, "supervise")


def _now(at=None):
    return at or timezone.now()


def _today(at=None) -> datetime.date:
    return timezone.localdate(_now(at))


def _event(task, kind, *, actor=None, note="", at=None, from_state="", to_state=""):
    """One line of the task's log (platform ``EventLog`` through the review machine's recorder)."""
    return REVIEWS.record(task, kind, from_state, to_state, actor=actor, note=note, at=_now(at))


# --- programmes ----------------------------------------------------------------------------


@transaction.atomic
def create_programme(
    *,
    user=None,
    title: str,
    issue_date: datetime.date,
    division,
    doc_number: str = "",
    year: int | None = None,
    reporting_cycle: str = "monthly",
    lag_margin: int = 15,
) -> Programme:
    if user is not None:
        _require_bureau(user)
    errors = {}
    if not title.strip():
        errors["title"] = _("方案名称不能为空。")
    if not issue_date:
        errors["issue_date"] = _("请填写印发日期。")
    if lag_margin is not None and not 0 <= int(lag_margin) <= 100:
        errors["lag_margin"] = _("滞后容差应在0到100之间。")
    if errors:
        raise ValidationError(errors)
    programme = Programme(
        title=title.strip(),
        doc_number=doc_number.strip(),
        issue_date=issue_date,
        year=year or issue_date.year,
        reporting_cycle=reporting_cycle,
        lag_margin=lag_margin,
        division=division,
    )
    programme.full_clean()
    programme.save()
    return programme


# --- import --------------------------------------------------------------------------------


@dataclass
class ImportPreview:
    result: ParseResult
    matches: dict[str, matching.UnitMatch]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def to_confirm(self) -> list[matching.UnitMatch]:
        return [m for m in self.matches.values() if m.needs_confirmation]

    @property
    def unknown(self) -> list[matching.UnitMatch]:
        return [m for m in self.matches.values() if m.status == matching.UNKNOWN]

    @property
    def ok(self) -> bool:
        return not self.errors


def candidate_departments(programme):
    return Department.objects.filter(division=programme.division, is_active=True)


def preview_import(programme: Programme, result: ParseResult) -> ImportPreview:
    """Validate a parse result against the programme and the departments, writing nothing."""
    matches = matching.match_units(result.unit_names, candidate_departments(programme))
    preview = ImportPreview(result, matches)
    preview.errors += [str(e) for e in result.errors]
    if not result.tasks and not result.errors:
        preview.errors.append(_("文件中没有可导入的任务。"))
    existing = set(programme.tasks.values_list("number", flat=True))
    for t in result.tasks:
        where = _("第%(line)d行") % {"line": t.line} if t.line else ""
        if t.number in existing:
            preview.errors.append(
                _("%(where)s：任务编号“%(number)s”在方案中已存在。")
                % {"where": where, "number": t.number}
            )
        if t.deadline and t.deadline < programme.issue_date:
            preview.errors.append(
                _("%(where)s：完成时限 %(deadline)s 早于方案印发日期 %(issued)s(“%(text)s”)。")
                % {
                    "where": where,
                    "deadline": t.deadline.isoformat(),
                    "issued": programme.issue_date.isoformat(),
                    "text": t.deadline_text,
                }
            )
        if "lead_units" in t.uncertain_fields:
            preview.warnings.append(
                _(
                    "%(where)s：任务%(number)s的说明未写明牵头单位，暂按“排在第一位的为牵头单位”"
                    "取“%(unit)s”，请核对。"
                )
                % {"where": where, "number": t.number, "unit": "、".join(t.lead_units)}
            )
        if "deadline" in t.uncertain_fields and t.deadline_kind == "date":
            preview.warnings.append(
                _("%(where)s：任务%(number)s文中有多个时间，暂取最晚的“%(text)s”，请核对。")
                % {"where": where, "number": t.number, "text": t.deadline_text}
            )
        if t.deadline_kind == "none":
            preview.warnings.append(
                _(
                    "%(where)s：任务%(number)s未写明完成时限，按方案年度年底（%(year)s年12月31日）计。"
                )
                % {"where": where, "number": t.number, "year": programme.year}
            )
        for u in t.lead_units + t.partner_units:
            m = matches[u]
            if m.status == matching.UNKNOWN:
                preview.errors.append(
                    _(
                        "%(where)s：单位“%(unit)s”不在本级部门名录中，请先在部门管理中维护或修改文件。"
                    )
                    % {"where": where, "unit": u}
                )
        if t.lead_units and all(matches[u].status == matching.COLLECTIVE for u in t.lead_units):
            preview.errors.append(
                _("%(where)s：牵头单位必须是具体部门，“%(unit)s”不能作为牵头单位。")
                % {"where": where, "unit": "、".join(t.lead_units)}
            )
    return preview


@transaction.atomic
def import_tasks(
    programme: Programme,
    result: ParseResult,
    *,
    user=None,
    confirmed: dict[str, int] | None = None,
    accept_fuzzy: bool = False,
) -> list[Task]:
    """Import all parsed tasks into ``programme`` or nothing.

    ``confirmed`` maps every non-exact unit name to the department chosen on the confirmation
    screen; ``accept_fuzzy`` accepts the proposed matches as they are (command line)."""
    if user is not None:
        _require_bureau(user)
    preview = preview_import(programme, result)
    errors = list(preview.errors)
    confirmed = confirmed or {}
    candidates = {d.pk: d for d in candidate_departments(programme)}
    resolved: dict[str, Department | None] = {}
    unconfirmed = []
    for name, m in preview.matches.items():
        if m.status == matching.EXACT:
            resolved[name] = candidates[m.department_id]
        elif m.status == matching.COLLECTIVE:
            resolved[name] = None
        elif name in confirmed and confirmed[name]:
            dept = candidates.get(int(confirmed[name]))
            if dept is None:
                errors.append(_("单位“%(unit)s”选择的部门无效。") % {"unit": name})
            resolved[name] = dept
        elif m.needs_confirmation and accept_fuzzy:
            resolved[name] = candidates[m.department_id]
        elif m.needs_confirmation:
            unconfirmed.append(
                _("单位“%(unit)s”未精确匹配，建议匹配为“%(dept)s”，请确认。")
                % {"unit": name, "dept": m.department_name}
            )
    errors += unconfirmed
    if errors:
        raise ValidationError({"file": errors})

    measures: dict[int, Measure] = {m.number: m for m in programme.measures.all()}
    seq = (programme.tasks.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    created = []
    actor = user if getattr(user, "is_authenticated", False) else None
    for t in result.tasks:
        measure = measures.get(t.measure_number)
        if measure is None:
            measure = Measure.objects.create(
                programme=programme,
                number=t.measure_number or 1,
                title=t.measure or programme.title,
            )
            measures[measure.number] = measure
        kind = {
            "long_term": DeadlineKind.LONG_TERM,
            "ongoing": DeadlineKind.ONGOING,
        }.get(t.deadline_kind, DeadlineKind.DATE)
        deadline = t.deadline
        if kind == DeadlineKind.DATE and deadline is None:
            deadline = datetime.date(programme.year, 12, 31)
        task = Task.objects.create(
            programme=programme,
            measure=measure,
            number=t.number,
            seq=seq,
            content=t.content,
            leader_name=t.leader_name,
            leader_title=t.leader_title,
            collective_units=[
                u for u in t.lead_units + t.partner_units if resolved.get(u, 0) is None
            ],
            deadline_kind=kind,
            deadline=deadline if kind == DeadlineKind.DATE else None,
            deadline_text=t.deadline_text[:100],
            reporting_cycle=t.cycle,
            start_date=programme.issue_date,
            expected_outputs=t.expected_outputs,
            indicator_keys=t.indicator_keys,
            source_line=t.line or None,
        )
        seq += 1
        leads = [resolved[u] for u in t.lead_units if resolved.get(u)]
        task.lead_units.set(leads)
        task.partner_units.set(
            [resolved[u] for u in t.partner_units if resolved.get(u) and resolved[u] not in leads]
        )
        _event(task, EventKind.CREATED, actor=actor, note=_("由导入创建"), to_state=task.state)
        created.append(task)
    return created


# --- evidence ------------------------------------------------------------------------------


def _store_files(task, files, *, report=None, contribution=None):
    """佐证材料 through the upload service (by content, extension agreeing; count and size
    limits); staged until the transaction commits, removed if it fails (the callers are
    wrapped in ``uploads.cleanup_on_error``)."""
    checked = uploads.check_all(files or [], uploads.REFORM_EVIDENCE)
    for c in checked:
        stored = uploads.store(c, uploads.REFORM_EVIDENCE)
        EvidenceFile.objects.create(
            task=task,
            report=report,
            contribution=contribution,
            file=stored.name,
            original_name=stored.original_name,
            kind=stored.kind,
            size=stored.size,
            sha256=stored.sha256,
        )


# --- progress ------------------------------------------------------------------------------


def _decimal(value, field_name: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field_name: _("进度必须是0到100之间的数字。")}) from None
    if not d.is_finite() or d < 0 or d > 100:
        raise ValidationError(
            {field_name: _("进度必须在0到100之间（收到 %(v)s）。") % {"v": value}}
        )
    return d.quantize(Decimal("0.01"))


def _locked(task_pk) -> Task:
    """The task row locked for update, with its programme and division loaded."""
    return (
        Task.objects.select_related("programme__division")
        .select_for_update(of=("self",))
        .get(pk=task_pk)
    )


def _milestone_progress(task) -> Decimal | None:
    ms = list(task.milestones.all())
    if not ms:
        return None
    return weighted((m.percent, m.weight) for m in ms)


@uploads.cleanup_on_error()
@transaction.atomic
def submit_report(
    task: Task,
    *,
    user,
    percent=None,
    text: str,
    files=(),
    decrease_reason: str = "",
    milestone_percents: dict | None = None,
    department: Department | None = None,
    at=None,
) -> ProgressReport:
    """A lead unit reports progress for the current period."""
    task = _locked(task.pk)
    if task.is_closed:
        raise ValidationError({"task": _("任务已销号，不能再报送进度。")})
    policy.check(user, "report", task)
    leads = user_leads(user, task)
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("请填写进展情况。")
    milestones = {m.pk: m for m in task.milestones.all()}
    updates = {}
    for key, value in (milestone_percents or {}).items():
        m = milestones.get(int(key))
        if m is None:
            errors["milestones"] = _("节点 %(id)s 不属于该任务。") % {"id": key}
            continue
        try:
            updates[m] = _decimal(value, "milestones")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if updates:
        for m, v in updates.items():
            m.percent = v
        value = weighted((m.percent, m.weight) for m in milestones.values())
    else:
        try:
            value = _decimal(percent, "percent")
        except ValidationError as exc:
            errors.update(exc.message_dict)
            value = None
    if value is not None and value < task.progress and not decrease_reason.strip():
        errors["decrease_reason"] = _(
            "报送进度 %(new)s%% 低于当前进度 %(old)s%%，下调进度须说明原因。"
        ) % {"new": value, "old": task.progress}
    if errors:
        raise ValidationError(errors)
    now = _now(at)
    today = timezone.localdate(now)
    if department is None:
        department = user.department if leads else task.lead_units.order_by("pk").first()
    report = ProgressReport.objects.create(
        task=task,
        department=department,
        author=user if user.is_authenticated else None,
        submitted_at=now,
        period=period_of(today, task.effective_cycle),
        percent=value,
        text=text.strip(),
        decrease_reason=decrease_reason.strip(),
    )
    _store_files(task, files, report=report)
    for m, v in updates.items():
        if v >= 100 and not m.reached_on:
            m.reached_on = today
        m.save()
    task.progress = value
    task.last_report_on = today
    task.save(update_fields=["progress", "last_report_on"])
    _event(
        task,
        EventKind.REPORT,
        actor=user,
        at=now,
        note=_("报送进度 %(p)s%%") % {"p": value},
    )
    recompute_task(task, today=today, actor=user, at=now)
    return report


@uploads.cleanup_on_error()
@transaction.atomic
def add_contribution(task: Task, *, user, text: str, files=(), at=None) -> Contribution:
    """A participating unit adds its part."""
    if task.is_closed:
        raise ValidationError({"task": _("任务已销号，不能再报送进度。")})
    policy.check(user, "contribute", task)
    if not (text or "").strip():
        raise ValidationError({"text": _("请填写分工进展。")})
    now = _now(at)
    c = Contribution.objects.create(
        task=task, department=user.department, author=user, submitted_at=now, text=text.strip()
    )
    _store_files(task, files, contribution=c)
    _event(
        task,
        EventKind.CONTRIBUTION,
        actor=user,
        at=now,
        note=_("%(dept)s报送分工进展") % {"dept": user.department},
    )
    return c


def review_report(report: ProgressReport, *, user, accept: bool, note: str = "", at=None):
    """The bureau accepts a report, or returns it for revision with a reason. Accepting a 100 %
    report closes (销号) the task. Table: ``machines.ReportReviewMachine``."""
    return REVIEWS.transition(
        report, "accept" if accept else "return", actor=user, note=note or "", now=_now(at)
    )


def progress_after_return(task, report) -> None:
    """A returned report no longer counts: progress falls back to the last one that does
    (unless milestones drive it)."""
    previous = (
        task.reports.exclude(status=ReportStatus.RETURNED)
        .exclude(pk=report.pk)
        .order_by("-submitted_at", "-id")
        .first()
    )
    if _milestone_progress(task) is None:
        task.progress = previous.percent if previous else Decimal(0)
        task.save(update_fields=["progress"])


def close_on_full_report(task, report, *, actor, at) -> None:
    """An accepted 100 % report closes (销号) the task."""
    if report.percent < 100:
        return
    old = task.state
    task.closed_at = at
    task.completed_on = timezone.localdate(report.submitted_at)
    task.progress = Decimal(100)
    task.save(update_fields=["closed_at", "completed_on", "progress"])
    _event(task, EventKind.CLOSED, actor=actor, at=at, note=_("审核通过，销号"))
    if not recompute_task(task, today=timezone.localdate(at), actor=actor, at=at):
        log.debug("task %s closed in state %s", task.pk, old)


def _reported_periods(task, today: datetime.date | None = None) -> set[str]:
    """Periods with a report (returned ones count: the unit did report), up to ``today``."""
    cycle = task.effective_cycle
    days = (timezone.localdate(at) for at in task.reports.values_list("submitted_at", flat=True))
    return {period_of(d, cycle) for d in days if today is None or d <= today}


def state_for(task: Task, today: datetime.date, reported_periods: set[str] | None = None) -> str:
    return compute_state(
        today=today,
        start=task.start_date,
        deadline=task.deadline,
        progress=float(task.progress),
        closed=task.is_closed,
        completed_on=task.completed_on,
        reported_periods=(
            _reported_periods(task, today) if reported_periods is None else reported_periods
        ),
        cycle=task.effective_cycle,
        margin=float(task.programme.lag_margin),
    )


def recompute_task(task: Task, *, today=None, actor=None, at=None, note: str = "") -> bool:
    """Recompute one task's state; append an event when it changes. True if changed."""
    today = today or _today(at)
    new = state_for(task, today)
    if new == task.state:
        return False
    old = task.state
    task.state = new
    task.save(update_fields=["state"])
    _event(
        task,
        EventKind.STATE,
        actor=actor,
        at=at,
        from_state=old,
        to_state=new,
        note=note
        or _("%(old)s → %(new)s")
        % {
            "old": TaskState(old).label,
            "new": TaskState(new).label,
        },
    )
    return True


# --- reminders and the daily sweep ---------------------------------------------------------


def _notify(reminder: Reminder) -> bool:
    """Deliver a reminder to the staff of the reminded unit through the notification centre;
    the Reminder row is the record either way."""
    try:
        from yingshang.notifications.public import notify
    except ImportError:
        return False

    recipients = list(staff_users().filter(department=reminder.department, is_active=True))
    sent = False
    for user in recipients:
        try:
            notify(
                user,
                title=_("催办：任务%(n)s") % {"n": reminder.task.number},
                body=f"{reminder.get_reason_display()}：{reminder.task.content[:80]}",
                link=f"/staff/reforms/tasks/{reminder.task_id}/",
                category="reforms.reminder",
            )
            sent = True
        except Exception:  # noqa: BLE001 - a failed channel must not undo the reminder record
            log.exception("reminder notification failed")
    return sent


@transaction.atomic
def send_reminder(
    task: Task, *, user=None, reason: str = ReminderReason.MANUAL, note: str = "", at=None
) -> list[Reminder]:
    """催办: one Reminder per lead unit, recorded and (if possible) notified."""
    if user is not None:
        _require_bureau(user)
    if task.is_closed:
        raise ValidationError({"task": _("任务已销号，无需催办。")})
    now = _now(at)
    period = period_of(timezone.localdate(now), task.effective_cycle)
    out = []
    for dept in task.lead_units.all():
        r = Reminder.objects.create(
            task=task,
            department=dept,
            sent_at=now,
            sent_by=user if getattr(user, "is_authenticated", False) else None,
            reason=reason,
            period=period,
            note=note,
        )
        out.append(r)
        transaction.on_commit(lambda r=r: _mark_notified(r))
    _event(
        task,
        EventKind.REMINDER,
        actor=user,
        at=now,
        note=f"{ReminderReason(reason).label} {note}".strip(),
    )
    return out


def _mark_notified(reminder: Reminder):
    if _notify(reminder):
        Reminder.objects.filter(pk=reminder.pk).update(notified=True)


@dataclass
class SweepResult:
    tasks: int = 0
    changed: int = 0
    reminders: int = 0


def sweep(today: datetime.date | None = None, programme: Programme | None = None) -> SweepResult:
    """Daily job: recompute every open task's state and send the reminders due — once per
    task, reason and period."""
    at = None
    if today is not None and today != timezone.localdate():
        at = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9, 0)))
    today = today or timezone.localdate()
    result = SweepResult()
    qs = Task.objects.filter(closed_at__isnull=True).select_related("programme__division")
    if programme is not None:
        qs = qs.filter(programme=programme)
    for task in qs.iterator(chunk_size=200):
        with transaction.atomic():
            result.tasks += 1
            if recompute_task(task, today=today, at=at, note=_("每日巡检")):
                result.changed += 1
            reason = None
            if task.state == TaskState.OVERDUE:
                reason = ReminderReason.OVERDUE
            elif task.state == TaskState.LAGGING:
                label, _first, _last = previous_period(today, task.effective_cycle)
                periods = _reported_periods(task, today)
                if label not in periods and period_of(today, task.effective_cycle) not in periods:
                    reason = ReminderReason.MISSING_REPORT
                else:
                    reason = ReminderReason.LAGGING
            if reason is None:
                continue
            period = period_of(today, task.effective_cycle)
            if task.reminders.filter(reason=reason, period=period).exists():
                continue
            result.reminders += len(send_reminder(task, reason=reason, at=at))
    return result


# --- publication (政务公开) ---------------------------------------------------------------


def _require_publisher(user, programme: Programme):
    if not can_publish(user, programme):
        raise PermissionDenied(
            _("只有督查部门（政务服务监督管理局）可以公开或取消公开方案和任务。")
        )


@transaction.atomic
def publish_programme(programme: Programme, *, user, at=None) -> Programme:
    """Publish a programme: its public page, open data and feed appear (the tasks not withheld).
    The public code (slug) is set on the first publication and never changes afterwards, so
    the public URLs stay stable. Publishing a published programme changes nothing."""
    _require_publisher(user, programme)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.published_at is not None:
        return programme
    if not programme.slug:
        programme.slug = f"{programme.year}-{programme.pk}"
    programme.published_at = _now(at)
    programme.save(update_fields=["slug", "published_at"])
    return programme


@transaction.atomic
def unpublish_programme(programme: Programme, *, user) -> Programme:
    """Withdraw a programme from the public pages (its URLs answer 404 until republished)."""
    _require_publisher(user, programme)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if programme.published_at is None:
        return programme
    programme.published_at = None
    programme.save(update_fields=["published_at"])
    return programme


def _set_task_public(task: Task, *, user, public: bool, note: str = "", at=None) -> Task:
    _require_publisher(user, task.programme)
    task = _locked(task.pk)
    if task.is_public == public:
        return task
    task.is_public = public
    task.save(update_fields=["is_public"])
    _event(
        task,
        EventKind.PUBLISHED if public else EventKind.WITHHELD,
        actor=user,
        at=at,
        note=note.strip(),
    )
    return task


@transaction.atomic
def publish_task(task: Task, *, user, at=None) -> Task:
    """Show a task on its programme's public page (tasks are public by default)."""
    return _set_task_public(task, user=user, public=True, at=at)


@transaction.atomic
def withhold_task(task: Task, *, user, note: str = "", at=None) -> Task:
    """Keep a task off the public page, the open data and the feed of a published programme."""
    return _set_task_public(task, user=user, public=False, note=note, at=at)


# --- milestones ----------------------------------------------------------------------------


@transaction.atomic
def add_milestone(task: Task, *, user=None, title: str, due_date, weight=1) -> Milestone:
    if user is not None:
        _require_bureau(user)
    errors = {}
    if not title.strip():
        errors["title"] = _("请填写节点名称。")
    if due_date and due_date < task.programme.issue_date:
        errors["due_date"] = _("节点日期早于方案印发日期。")
    if Decimal(str(weight)) <= 0:
        errors["weight"] = _("权重必须大于0。")
    if errors:
        raise ValidationError(errors)
    return Milestone.objects.create(
        task=task, title=title.strip(), due_date=due_date, weight=weight
    )
