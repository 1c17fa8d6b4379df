"""The progress-report review (进度报告审核) transition table on the platform kit. The events go
to the task's log (``TaskEvent``: 审核采纳 / 审核退回); docs/state-machines.md is generated."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingshang.platform.transitions import Edge, Machine, register

from .models import EventKind, ProgressReport, ReportStatus, TaskEvent
from .policies import policy

R = ReportStatus


def _services():
    from . import services

    return services


def _task_open(ctx):
    if ctx.task.is_closed:
        raise ValidationError({"task": _("任务已销号。")})


def _reason_given(ctx):
    if not ctx.note:
        raise ValidationError({"review_note": _("退回须说明原因。")})


def _reviewed(ctx):
    report = ctx.obj
    report.reviewed_by = ctx.actor
    report.reviewed_at = ctx.now
    report.review_note = ctx.note


def _close_if_complete(ctx):
    _services().close_on_full_report(ctx.task, ctx.obj, actor=ctx.actor, at=ctx.now)


def _roll_back_progress(ctx):
    _services().progress_after_return(ctx.task, ctx.obj)


@register
class ReportReviewMachine(Machine):
    name = "reform_reports"
    title = gettext_lazy("改革任务进度报告审核")
    model = ProgressReport
    states = ReportStatus
    event_model = TaskEvent
    event_fk = "task"
    policy = policy
    permission_first = True
    edges = [
        Edge(
            "accept",
            {R.SUBMITTED},
            R.ACCEPTED,
            gettext_lazy("审核采纳"),
            "supervise",
            guards=_task_open,
            effects=_reviewed,
            after=_close_if_complete,
            event_action=EventKind.ACCEPTED,
        ),
        Edge(
            "return",
            {R.SUBMITTED},
            R.RETURNED,
            gettext_lazy("审核退回"),
            "supervise",
            guards=(_task_open, _reason_given),
            effects=_reviewed,
            after=_roll_back_progress,
            event_action=EventKind.RETURNED,
        ),
    ]

    def lock(self, report, ctx):
        locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
        ctx.task = _services()._locked(locked.task_id)
        return locked

    def refuse(self, report, edge):
        return ValidationError({"status": _("该报告已审核，不能重复审核。")})

    def event_owner(self, obj):
        """Events go to the task's log — also the task events outside this table (creation,
        state, reports, reminders), which ``services._event`` records through ``record``."""
        return obj.task if isinstance(obj, ProgressReport) else obj

    def actor_name(self, actor) -> str:
        return actor.get_username() if getattr(actor, "is_authenticated", False) else ""

    def event_fields(self, ctx) -> dict:
        """The task's log holds task states; the report's own states go into ``data``."""
        return {
            "from_state": "",
            "to_state": "",
            "data": {"report": ctx.obj.pk, "from": ctx.before, "to": ctx.target},
        }
